#pragma once

#include <cstddef>

#include "drift/quality.hpp"
#include "profile/profile.hpp"

namespace lean {

// `ml-drift schema --reference-profile`: the schema of the data-quality checks from a
// reference profile instead of the data. Each column's type, missing share, range (min and
// max are exact in a profile, sketch or not), categories (listed when a categorical column
// has at most max_categories), constant and empty come out as from the data. A profile
// holds no row hashes: the schema's duplicate share is 0 and no column is marked unique.
ExpectedDataset schema_from_profile(const Profile& profile, std::size_t max_categories);

}  // namespace lean
