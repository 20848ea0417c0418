#pragma once
// Who acts on the server when a person's decision is saved (a management
// assessment): an admin token of one org today, a certifier's session (any org)
// once the console signs people in. What is saved records the actor's name.
#include <optional>
#include <string>
#include <string_view>

#include "cx/server/server_store.hpp"

namespace cx {

struct Actor {
    std::string name;                // recorded as "saved_by": "admin token 7", a user's name
    std::optional<std::string> org;  // the one org it acts for; nullopt: every org
    bool may_act_for(std::string_view target) const { return !org || *org == target; }
};

// An admin token acts for its org, under the name "admin token <id>".
Actor token_actor(const TokenGrant& grant);

}  // namespace cx
