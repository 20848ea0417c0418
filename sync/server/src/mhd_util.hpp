#pragma once
// Small libmicrohttpd and socket utilities of the transport: header look-up,
// the client address as the limiters key it, PEM files for TLS, and the
// signal mask server threads are created with.
#include <microhttpd.h>

#include <csignal>
#include <string>

#include "cx/scoring/result.hpp"

namespace cx {

std::string header_value(MHD_Connection* connection, const char* name);

// IPv4 addresses as they are; IPv6 by their /64, which one subscriber usually holds whole.
std::string address_key(MHD_Connection* connection);

Result<std::string> read_pem(const std::string& path);

// Every asynchronous signal blocked while server threads are created, so they
// inherit the mask: signals go to the thread that waits for them (main.cpp).
class SignalsBlocked {
  public:
    SignalsBlocked();
    ~SignalsBlocked();
    SignalsBlocked(const SignalsBlocked&) = delete;
    SignalsBlocked& operator=(const SignalsBlocked&) = delete;

  private:
    sigset_t previous_;
};

}  // namespace cx
