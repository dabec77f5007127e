#pragma once

/// \file
/// The error thrown when a rules file would not load in wazuh-analysisd (which then exits with
/// "(1220): Error loading the rules"), or uses something the evaluator does not model.

#include <stdexcept>
#include <string>

namespace wazuh {

/// A rules file that Wazuh would refuse (message in Wazuh's words where known), or that needs a
/// feature the evaluator does not implement (message says so).
class LoadError : public std::runtime_error {
 public:
  explicit LoadError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace wazuh
