#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/sigv4.hpp"

namespace lean::s3 {

// The keys of `profile` in the text of an AWS shared credentials file (INI: "[profile]"
// sections, "key = value" lines, '#' and ';' comments); nullopt unless it holds both an
// access key id and a secret.
std::optional<sigv4::Credentials> parse_shared_credentials(std::string_view text, const std::string& profile);

// The AWS CLI's shared credentials file ($AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials), profile $AWS_PROFILE or "default": used when the environment holds
// no keys, so a developer's laptop works as it does with the AWS CLI. nullopt when there is
// no such file or profile.
std::optional<sigv4::Credentials> shared_credentials();

}  // namespace lean::s3
