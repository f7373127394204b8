#pragma once

// The registry layout every backend stores, whatever its own objects are:
//   MODEL/versions/VERSION/FILE           a version's files (FILE may be ATTEMPT/FILE)
//   MODEL/versions/VERSION/manifest.json  what makes the version published
//   MODEL/channels/CHANNEL.json           a channel pointer
//   MODEL/audit/EVENT.json                the audit trail

namespace lean {

// A version's manifest; also a name no published file may take.
inline constexpr const char* kManifestName = "manifest.json";

}  // namespace lean
