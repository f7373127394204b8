#include "cli/compare.hpp"

int main(int argc, char** argv) { return lean::compare_main(argc, argv); }
