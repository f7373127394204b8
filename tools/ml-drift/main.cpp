#include "cli/drift.hpp"

int main(int argc, char** argv) { return lean::drift_main(argc, argv); }
