// Two protected members of cpp-httplib 0.11.4's Server that Vigil's servers need, in one place:
// the listening socket (the FrontDoor's listener stands in for the one httplib never opens) and
// process_request (one request on a stream the FrontDoor has buffered). Used by api/server.cc
// and api/witness_server.cc. Header-only; as thread-safe as the httplib calls themselves.
#ifndef VIGIL_API_HTTPLIB_ACCESS_H_
#define VIGIL_API_HTTPLIB_ACCESS_H_

#include <httplib.h>

namespace vigil::api {

// cpp-httplib 0.11.4 listens with a hard-coded backlog of 5 and has no setter, so bursts of
// concurrent submitters had connections reset. Linux lets listen() be called again on the bound
// socket to raise it; this reads the protected socket member to do so.
struct ListeningSocket : httplib::Server {
  static socket_t Of(httplib::Server& s) { return (s.*&ListeningSocket::svr_sock_).load(); }
  // httplib takes an INVALID_SOCKET listener for "shutting down" and then never calls a
  // content provider (RefuseAndClose's problem body went out empty): the FrontDoor's listener
  // stands in for the one httplib never opens.
  static void Set(httplib::Server& s, socket_t sock) { (s.*&ListeningSocket::svr_sock_) = sock; }
};

// Calls the protected httplib::Server::process_request (one request on a stream), for HandleRaw
// and for the requests the FrontDoor has buffered.
struct RequestProcessor : httplib::Server {
  static bool Process(httplib::Server& s, httplib::Stream& strm) {
    bool closed = false;
    return (s.*&RequestProcessor::process_request)(
        strm, /*close_connection=*/true, closed,
        [](httplib::Request& req) { req.remote_addr = "raw"; });
  }
  static bool Process(httplib::Server& s, httplib::Stream& strm, bool must_close, bool& closed) {
    return (s.*&RequestProcessor::process_request)(strm, must_close, closed, nullptr);
  }
};

}  // namespace vigil::api

#endif  // VIGIL_API_HTTPLIB_ACCESS_H_
