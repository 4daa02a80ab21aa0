// A few lines describing a loaded config, for `raven check-config`: what Raven
// will connect to and how it will behave. Never includes secrets.
#pragma once

#include <string>

#include "config/config.hpp"

namespace raven::app {

std::string summary(const config::Config& config);

}  // namespace raven::app
