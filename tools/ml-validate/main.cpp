#include "cli/validate.hpp"

int main(int argc, char** argv) { return lean::validate_main(argc, argv); }
