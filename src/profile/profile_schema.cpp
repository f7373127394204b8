#include "profile/profile_schema.hpp"

namespace lean {

ExpectedDataset schema_from_profile(const Profile& profile, std::size_t max_categories) {
  ExpectedDataset schema;
  schema.rows = profile.rows;
  for (const ColumnProfile& column : profile.columns) {
    ExpectedColumn out;
    out.name = column.name;
    out.numeric = column.numeric;
    out.missing_share = profile.rows > 0 ? static_cast<double>(column.missing) / static_cast<double>(profile.rows) : 0;
    out.empty = column.count == 0;
    out.untyped = out.empty;  // no value: any type passes (ExpectedColumn::untyped)
    if (column.numeric && column.count > 0) {
      out.min = column.moments.min;
      out.max = column.moments.max;
      out.constant = column.moments.min == column.moments.max;
    }
    if (!column.numeric && !out.untyped) {
      out.constant = column.text_counts.size() == 1;
      if (column.text_counts.size() <= max_categories) {
        out.categories_listed = true;
        for (const auto& entry : column.text_counts) out.categories.push_back(entry.first);  // a map: sorted
      }
    }
    schema.columns.push_back(std::move(out));
  }
  return schema;
}

}  // namespace lean
