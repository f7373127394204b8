#include "cli/release.hpp"

int main(int argc, char** argv) { return lean::release_main(argc, argv); }
