#include "api/connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace vigil::api {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 64 * 1024;   // bytes read per readable event
constexpr size_t kDrainBytes = 64 * 1024;  // bytes discarded after a refusal before closing
constexpr auto kDrainTime = std::chrono::milliseconds(500);

// An owned file descriptor (STYLE: RAII for every OS handle).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string PeerAddress(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  } else if (ss.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
  }
  return buf;
}

int PeerPort(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return 0;
}

// Best effort, never blocks: the front door's own answers are small enough for the socket
// buffer of any client that reads at all.
void SendNow(int fd, std::string_view bytes) {
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// One buffered request for httplib's process_request: reads come from the buffer (and end
// there: the request is complete), writes go to the socket within one total deadline.
class BufferedStream : public httplib::Stream {
 public:
  BufferedStream(int fd, std::string request, std::string peer, int peer_port,
                 Clock::time_point write_deadline, bool continue_sent)
      : fd_(fd),
        in_(std::move(request)),
        peer_(std::move(peer)),
        peer_port_(peer_port),
        deadline_(write_deadline),
        continue_sent_(continue_sent) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return !failed_; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    std::string_view bytes(ptr, size);
    // The front door already said "100 Continue" when it buffered the body.
    if (continue_sent_ && !wrote_ && bytes.substr(0, 13) == "HTTP/1.1 100 ") {
      continue_sent_ = false;
      return static_cast<ssize_t>(size);
    }
    if (!wrote_) {
      wrote_ = true;
      std::string head(bytes.substr(0, bytes.find("\r\n\r\n")));
      head += "\r\n";
      says_close_ = head.find("\r\nConnection: close\r\n") != std::string::npos;
    }
    size_t sent = 0;
    while (sent < size && !failed_) {
      const ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
        pollfd p{fd_, POLLOUT, 0};
        if (left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) > 0) continue;
      }
      failed_ = true;  // the client stopped reading past the deadline, or went away
    }
    return failed_ ? -1 : static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_;
    port = peer_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    ip = PeerAddress(ss);
    port = PeerPort(ss);
  }
  // Not the descriptor: httplib (built without CPPHTTPLIB_USE_POLL) answers 500 to any request
  // on a socket numbered FD_SETSIZE or more, which the front door's select-free loop allows.
  socket_t socket() const override { return INVALID_SOCKET; }
  bool failed() const { return failed_; }
  bool says_close() const { return says_close_; }

 private:
  int fd_;
  std::string in_;
  size_t pos_ = 0;
  std::string peer_;
  int peer_port_;
  Clock::time_point deadline_;
  bool continue_sent_;
  bool wrote_ = false;
  bool says_close_ = false;
  bool failed_ = false;
};

}  // namespace

// ---- the event loop --------------------------------------------------------------------------

struct FrontDoor::Impl {
  struct Conn {
    Fd fd;
    std::string peer;
    int peer_port = 0;
    std::string in;  // bytes read and not yet handed over
    enum class Phase { kHead, kBody, kBusy, kDrain } phase = Phase::kHead;
    Clock::time_point waiting_since;  // start of this request (accept, or the previous answer)
    Clock::time_point deadline;
    size_t need = 0;  // kBody: bytes of head + body
    HeadCheck head;
    bool continue_sent = false;
    bool peer_done = false;  // the client shut down its side
    bool watched = false;    // in the epoll set (not while a worker has it)
    size_t drained = 0;
    size_t reserved = 0;  // body bytes counted in `buffered` for this request
  };
  struct Done {
    int fd;
    bool keep;
    bool abort;  // the answer could not be written in time: reset, do not linger
  };

  FrontDoorOptions o;
  HeadLimits limits;  // from `o`, made once
  Handler handler;
  Refusal refusal;
  FrontDoor* owner = nullptr;
  Fd listener, epoll, wake;
  std::atomic<bool> stopping{false};
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  std::unordered_map<std::string, size_t> per_peer;
  size_t buffered = 0;  // sum of every connection's `reserved`; at most o.max_buffered_bytes
  Clock::time_point accept_paused_until{};

  // Worker pool and the answers it sends back to the loop.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  std::vector<Done> done;
  bool pool_stop = false;
  std::vector<std::thread> workers;

  void Wake() {
    const uint64_t one = 1;
    (void)!::write(wake.get(), &one, sizeof one);
  }

  void Watch(Conn& c) {
    if (c.watched) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = c.fd.get();
    c.watched = ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, c.fd.get(), &ev) == 0;
  }
  void Unwatch(Conn& c) {
    if (c.watched) ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
    c.watched = false;
  }

  // Gives back the body bytes the connection's request was counted for.
  void Release(Conn& c) {
    buffered -= c.reserved;
    c.reserved = 0;
  }

  void Close(int fd) {
    auto it = conns.find(fd);
    if (it == conns.end()) return;
    Release(*it->second);
    Unwatch(*it->second);
    auto p = per_peer.find(it->second->peer);
    if (p != per_peer.end() && --p->second == 0) per_peer.erase(p);
    conns.erase(it);
    owner->open_ = conns.size();
  }

  // Ends a connection after an answer that closes it: our side is shut, and what the client
  // still sends is read and dropped for a moment so that the answer is not lost to a reset.
  void Drain(Conn& c) {
    ::shutdown(c.fd.get(), SHUT_WR);
    if (c.peer_done) return Close(c.fd.get());
    Release(c);
    c.phase = Conn::Phase::kDrain;
    c.in.clear();
    c.in.shrink_to_fit();
    c.deadline = Clock::now() + kDrainTime;
    Watch(c);
  }

  void RefuseConn(Conn& c, int status, std::string_view type, std::string_view detail) {
    SendNow(c.fd.get(), refusal(status, type, detail, c.peer));
    Drain(c);
  }

  void Accept() {
    if (Clock::now() < accept_paused_until) return;
    for (;;) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      const int fd = ::accept4(listener.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        // Out of descriptors: leave the rest in the backlog for a moment.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
          epoll_event ev{};
          ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, listener.get(), &ev);
        }
        return;
      }
      auto c = std::make_unique<Conn>();
      c->fd = Fd(fd);
      c->peer = PeerAddress(ss);
      c->peer_port = PeerPort(ss);
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      size_t& from_peer = per_peer[c->peer];
      if (conns.size() >= o.max_connections || from_peer >= o.max_connections_per_client) {
        if (from_peer == 0) per_peer.erase(c->peer);
        const bool global = conns.size() >= o.max_connections;
        SendNow(fd, refusal(503, "too_many_connections",
                            global ? "the server has too many open connections; retry later"
                                   : "too many open connections from your address; close some "
                                     "or retry later",
                            c->peer));
        continue;  // closed by Fd
      }
      ++from_peer;
      c->waiting_since = Clock::now();
      c->deadline = c->waiting_since + std::chrono::seconds(o.keep_alive_s);
      Watch(*c);
      conns.emplace(fd, std::move(c));
      owner->open_ = conns.size();
    }
  }

  // Reads what the client sent; returns false when the connection was closed.
  bool Read(Conn& c) {
    char buf[kReadChunk];
    for (;;) {
      size_t room = kReadChunk;
      if (c.phase == Conn::Phase::kHead) {
        // Enough for the longest head the limits allow, plus one byte to notice it is too long.
        const size_t cap = kMaxRequestLine + o.max_header_bytes + 8;
        room = c.in.size() >= cap ? 0 : std::min(room, cap - c.in.size());
      } else if (c.phase == Conn::Phase::kBody) {
        room = c.in.size() >= c.need ? 0 : std::min(room, c.need - c.in.size());
      }
      if (room == 0) return true;
      const ssize_t n = ::recv(c.fd.get(), buf, room, 0);
      if (n > 0) {
        if (c.phase == Conn::Phase::kDrain) {
          c.drained += static_cast<size_t>(n);
          if (c.drained > kDrainBytes) {
            Close(c.fd.get());
            return false;
          }
          continue;
        }
        c.in.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < room) return true;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      // End of stream (a half-close) or an error. A complete request already buffered is still
      // answered; anything less is dropped with the connection.
      c.peer_done = true;
      if (c.phase == Conn::Phase::kDrain || n < 0) {
        Close(c.fd.get());
        return false;
      }
      return true;
    }
  }

  // Moves a connection on after reading: checks the head, waits for the body, or hands the
  // request to a worker.
  void Advance(Conn& c) {
    if (c.phase == Conn::Phase::kHead) {
      c.head = CheckHead(c.in, limits);
      switch (c.head.verdict) {
        case HeadCheck::Verdict::kRefused:
          return RefuseConn(c, c.head.status, c.head.type, c.head.detail);
        case HeadCheck::Verdict::kIncomplete:
          if (c.peer_done) return Close(c.fd.get());
          c.deadline = c.waiting_since +
                       std::chrono::seconds(c.in.empty() ? o.keep_alive_s : o.head_timeout_s);
          return;
        case HeadCheck::Verdict::kComplete:
          break;
      }
      const size_t body = c.head.head_only ? 0 : c.head.body_bytes;
      if (body > o.max_buffered_bytes - buffered) {
        return RefuseConn(c, 503, "server_busy",
                          "the server is receiving too many request bodies at once; retry in a "
                          "moment");
      }
      c.reserved = body;
      buffered += body;
      c.phase = Conn::Phase::kBody;
      c.need = c.head.head_bytes + body;
      c.continue_sent = false;
      c.deadline = Clock::now() + std::chrono::seconds(o.body_timeout_s) +
                   std::chrono::seconds(c.head.body_bytes / std::max<size_t>(o.body_min_rate, 1));
      if (c.head.expect_continue && c.in.size() < c.need) {
        SendNow(c.fd.get(), "HTTP/1.1 100 Continue\r\n\r\n");
        c.continue_sent = true;
      }
    }
    if (c.phase != Conn::Phase::kBody) return;
    if (c.in.size() < c.need) {
      if (c.peer_done) Close(c.fd.get());
      return;
    }
    Dispatch(c);
  }

  void Dispatch(Conn& c) {
    c.phase = Conn::Phase::kBusy;
    Unwatch(c);
    const bool must_close = c.head.head_only || c.peer_done;
    auto strm = std::make_shared<BufferedStream>(
        c.fd.get(), c.in.substr(0, c.need), c.peer, c.peer_port,
        Clock::now() + std::chrono::seconds(o.write_timeout_s), c.continue_sent);
    c.in.erase(0, c.need);
    const int fd = c.fd.get();
    Enqueue([this, strm, fd, must_close] {
      bool closed = false;
      bool ok = false;
      try {
        ok = handler(*strm, must_close, closed);
      } catch (...) {
        ok = false;
      }
      const bool keep = ok && !closed && !must_close && !strm->failed() && !strm->says_close();
      {
        std::lock_guard<std::mutex> lock(mu);
        done.push_back({fd, keep, strm->failed()});
      }
      Wake();
    });
  }

  void Finished(const Done& d) {
    auto it = conns.find(d.fd);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    Release(c);
    if (d.abort) {
      // A client that does not read: close with a reset, so that the kernel does not keep the
      // unsent answer (up to the send buffer) for an orphaned socket.
      const linger reset{1, 0};
      ::setsockopt(c.fd.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      return Close(d.fd);
    }
    if (!d.keep) return Drain(c);
    c.phase = Conn::Phase::kHead;
    c.waiting_since = Clock::now();
    Watch(c);
    Advance(c);  // a pipelined request may be buffered already
  }

  void Expire(Clock::time_point now) {
    std::vector<int> late;
    for (auto& [fd, c] : conns) {
      if (c->phase != Conn::Phase::kBusy && now >= c->deadline) late.push_back(fd);
    }
    for (int fd : late) {
      Conn& c = *conns.at(fd);
      if (c.phase == Conn::Phase::kDrain || c.in.empty()) {
        Close(fd);  // idle between requests, or done draining: nothing to say
      } else {
        RefuseConn(c, 408, "request_timeout",
                   c.phase == Conn::Phase::kHead ? "the request head was not received in time"
                                                 : "the request body was not received in time");
      }
    }
  }

  void Enqueue(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu);
      tasks.push_back(std::move(fn));
    }
    cv.notify_one();
  }

  void Work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [this] { return pool_stop || !tasks.empty(); });
        if (tasks.empty()) return;  // stopping, and nothing left
        fn = std::move(tasks.front());
        tasks.pop_front();
      }
      fn();
    }
  }

  void Loop() {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener.get();
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listener.get(), &ev);
    ev.data.fd = wake.get();
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &ev);
    bool listening = true;
    std::vector<epoll_event> events(256);
    Clock::time_point last_sweep = Clock::now();
    while (!stopping) {
      const int n = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<size_t>(i)].data.fd;
        if (fd == listener.get()) {
          Accept();
          if (accept_paused_until > Clock::now()) listening = false;
          continue;
        }
        if (fd == wake.get()) {
          uint64_t v;
          (void)!::read(wake.get(), &v, sizeof v);
          std::vector<Done> finished;
          {
            std::lock_guard<std::mutex> lock(mu);
            finished.swap(done);
          }
          for (const Done& d : finished) Finished(d);
          continue;
        }
        auto it = conns.find(fd);
        if (it == conns.end() || it->second->phase == Conn::Phase::kBusy) continue;
        Conn& c = *it->second;
        if (Read(c) && c.phase != Conn::Phase::kDrain) Advance(c);
      }
      const Clock::time_point now = Clock::now();
      if (!listening && now >= accept_paused_until) {
        ev.events = EPOLLIN;
        ev.data.fd = listener.get();
        ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listener.get(), &ev);
        listening = true;
      }
      if (now - last_sweep >= std::chrono::milliseconds(100)) {
        Expire(now);
        last_sweep = now;
      }
    }
  }
};

FrontDoor::FrontDoor(FrontDoorOptions options, Handler handler, Refusal refusal)
    : impl_(std::make_unique<Impl>()) {
  impl_->o = options;
  impl_->limits = HeadLimits{options.max_body_bytes, options.max_header_count,
                             options.max_header_bytes, options.route_body_limits};
  impl_->handler = std::move(handler);
  impl_->refusal = std::move(refusal);
  impl_->owner = this;
}

FrontDoor::~FrontDoor() = default;

Status FrontDoor::Bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Status(Code::kIoError, "cannot listen on " + host + ": " + ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, ::freeaddrinfo);
  const std::string where = host + ":" + service;
  Fd sock(::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   found->ai_protocol));
  if (sock.get() < 0) {
    return Status(Code::kIoError, "cannot listen on " + where + ": " + std::strerror(errno));
  }
  // SO_REUSEADDR lets a restarted server bind past TIME_WAIT; SO_REUSEPORT is never set, so a
  // second server cannot silently share the port (issue 15 item 11).
  const int one = 1;
  ::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(sock.get(), found->ai_addr, found->ai_addrlen) != 0) {
    const int err = errno;
    return Status(Code::kIoError,
                  "cannot listen on " + where + ": " +
                      (err == EADDRINUSE ? std::string("address in use (is another server "
                                                       "running on this port?)")
                                         : std::string(std::strerror(err))));
  }
  if (::listen(sock.get(), SOMAXCONN) != 0) {
    return Status(Code::kIoError, "cannot listen on " + where + ": " + std::strerror(errno));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = PeerPort(ss);
  impl_->listener = std::move(sock);
  impl_->epoll = Fd(::epoll_create1(EPOLL_CLOEXEC));
  impl_->wake = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (impl_->epoll.get() < 0 || impl_->wake.get() < 0) {
    return Status(Code::kIoError, std::string("cannot create epoll: ") + std::strerror(errno));
  }
  return Status::Ok();
}

int FrontDoor::listener() const { return impl_->listener.get(); }

void FrontDoor::Run() {
  Impl& m = *impl_;
  for (int i = 0; i < std::max(1, m.o.threads); ++i) m.workers.emplace_back([&m] { m.Work(); });
  if (!m.stopping) m.Loop();
  m.listener.Reset();  // refuse new connections while the last requests finish
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.pool_stop = true;
  }
  m.cv.notify_all();
  for (std::thread& t : m.workers) t.join();
  m.workers.clear();
  m.conns.clear();
  m.per_peer.clear();
  open_ = 0;
}

void FrontDoor::Stop() {
  impl_->stopping = true;
  if (impl_->wake.get() >= 0) impl_->Wake();
}

}  // namespace vigil::api
