// vigil status: one screen for the operator woken at 3 a.m. (docs/operator.md section 4).
//
// Reads, and never writes: the store (opened read-only, beside a running server, like vigil
// backup), the file system holding it (statvfs), the newest backup's BACKUP.json, and the
// server's /healthz and /metrics when --server is given. Each fact that needs attention is also
// printed as an "attention:" line, and the exit status is 1 if there is any (0 all well, 2 usage
// or no store), so the same command serves a cron job or a monitoring check.
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/commands.h"
#include "keys/coding.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;

struct StatusArgs {
  std::string data, server, backups;
  double backup_max_age_h = 36;     // a daily timer, plus slack
  double checkpoint_max_age_h = 0;  // 0: not judged (a quiet log signs nothing new)
  double min_free_percent = 10;
  bool json = false;
};

// "3d 4h", "2h 5m", "4m 10s", "12s": an age a tired reader takes in at once.
std::string Age(int64_t ms) {
  if (ms < 0) return "in the future (check the clock)";
  int64_t s = ms / 1000;
  char buf[64];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh %lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm %llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return std::string(buf) + " ago";
}

std::string Bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// One sample of the Prometheus text format: "name{labels} value".
struct Sample {
  std::string series;  // name with its labels
  std::string value;
};

std::vector<Sample> ParseMetrics(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos || sp == 0) continue;
    out.push_back({line.substr(0, sp), line.substr(sp + 1)});
  }
  return out;
}

std::optional<std::string> Metric(const std::vector<Sample>& samples, const std::string& name) {
  for (const Sample& s : samples) {
    if (s.series == name) return s.value;
  }
  return std::nullopt;
}

// The newest backup under `dir`: the subdirectory whose BACKUP.json has the latest created_at.
struct BackupFacts {
  std::string path;
  int64_t created_ms = 0;
  uint64_t entries = 0;
};

std::optional<BackupFacts> NewestBackup(const std::string& dir, std::string& problem) {
  std::optional<BackupFacts> best;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    problem = "cannot read the backup directory " + dir + ": " + ec.message();
    return std::nullopt;
  }
  for (const fs::directory_entry& d : it) {
    const std::string manifest = d.path().string() + "/BACKUP.json";
    std::ifstream f(manifest);
    if (!f) continue;  // not a backup (a .partial one, or something else)
    std::stringstream ss;
    ss << f.rdbuf();
    nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!j.is_object() || !j.contains("created_at") || !j["created_at"].is_string()) continue;
    Result<int64_t> at = ParseTimestamp(j["created_at"].get<std::string>());
    if (!at.ok()) continue;
    if (!best || *at > best->created_ms) {
      BackupFacts b;
      b.path = d.path().string();
      b.created_ms = *at;
      if (j.contains("entries") && j["entries"].is_number_unsigned()) {
        b.entries = j["entries"].get<uint64_t>();
      }
      best = b;
    }
  }
  return best;
}

int RunStatus(const StatusArgs& a) {
  const std::string store = a.data + "/store";
  std::error_code ec;
  if (!fs::exists(store + "/data.mdb", ec)) {
    std::cerr << "vigil status: no store in " << a.data << " (expected " << store << "/data.mdb)\n";
    return kExitUsage;
  }
  const int64_t now = NowMs();
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::string> lines, attention;
  auto line = [&lines](const std::string& label, const std::string& text) {
    std::string l = label;
    l.resize(std::max<size_t>(l.size(), 12), ' ');
    lines.push_back(l + text);
  };

  // The store, read-only: a running server keeps appending meanwhile.
  db::EnvOptions o;
  o.read_only = true;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(store, o);
  if (!env.ok()) {
    std::cerr << "vigil status: cannot open the store " << store << ": " << env.status().message()
              << "\n";
    return kExitUsage;
  }
  {
    Result<db::Txn> txn = (*env)->BeginRead();
    if (!txn.ok()) {
      std::cerr << "vigil status: " << txn.status().message() << "\n";
      return kExitUsage;
    }
    Result<LogInfo> info = Log::ReadInfo(*txn);
    if (!info.ok()) {
      // Most often a store of another format after an upgrade: say so and what to do.
      line("log", info.status().message());
      attention.push_back("this vigil cannot open the store: " + info.status().message() +
                          " (docs/operator.md, \"Upgrading\")");
      out["store_error"] = info.status().message();
    } else {
      line("log", info->origin);
      out["origin"] = info->origin;
      out["verifier_key"] = info->verifier_key;
      Result<uint64_t> n = txn->Count(db::Table::kEntries);
      if (n.ok()) {
        line("size", std::to_string(*n) + " entries");
        out["size"] = *n;
      }
      Result<std::optional<std::pair<std::string, std::string>>> cp =
          txn->Last(db::Table::kCheckpoints);
      Result<std::optional<std::pair<std::string, std::string>>> last =
          txn->Last(db::Table::kEntries);
      if (cp.ok() && cp->has_value() && last.ok() && last->has_value()) {
        // A checkpoint is signed for every committed batch, so the newest one is as old as
        // the newest entry (the last batch's acceptance time).
        const uint64_t cp_size = DecodeBigEndian64((*cp)->first);
        Result<Entry> e = DecodeEntry((*last)->second);
        if (e.ok()) {
          const int64_t age = now - e->ts_ms;
          line("checkpoint", "size " + std::to_string(cp_size) + ", signed with the batch of " +
                                 FormatTimestamp(e->ts_ms) + " (" + Age(age) + ")");
          out["checkpoint"] = {
              {"size", cp_size}, {"time", FormatTimestamp(e->ts_ms)}, {"age_seconds", age / 1000}};
          if (a.checkpoint_max_age_h > 0 &&
              static_cast<double>(age) > a.checkpoint_max_age_h * 3600e3) {
            attention.push_back("no new checkpoint for " + Age(age) +
                                ": is anyone able to submit?");
          }
        } else {
          attention.push_back("the newest entry does not decode: run vigil verify --data " +
                              a.data);
        }
      }
    }
  }

  // The store's files and the file system under them.
  Result<uint64_t> file = (*env)->FileSize();
  const uint64_t map = (*env)->map_size();
  if (file.ok()) {
    const uint64_t left = map > *file ? map - *file : 0;
    line("store", "data.mdb " + Bytes(*file) + "; map " + Bytes(map) + ", " + Bytes(left) +
                      " left before the server doubles it");
    out["store"] = {{"file_bytes", *file}, {"map_bytes", map}, {"map_left_bytes", left}};
  }
  struct statvfs vfs {};
  if (::statvfs(store.c_str(), &vfs) == 0 && vfs.f_blocks > 0) {
    const uint64_t total = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
    const uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    const double free_pct = 100.0 * static_cast<double>(avail) / static_cast<double>(total);
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.0f%%", free_pct);
    line("disk", Bytes(avail) + " free of " + Bytes(total) + " (" + pct + ") under " + store);
    out["disk"] = {{"total_bytes", total}, {"available_bytes", avail}};
    if (free_pct < a.min_free_percent) {
      attention.push_back(std::string("only ") + pct + " of the disk under " + store +
                          " is free: a full disk makes the store read-only (section 6)");
    }
  }

  // The running server: writability, the writer's queue, witnesses.
  if (a.server.empty()) {
    line("server", "not asked (give --server URL, e.g. http://127.0.0.1:8080)");
  } else {
    Result<std::unique_ptr<Client>> client = Client::Connect(a.server);
    Result<Response> metrics =
        client.ok() ? (*client)->Get("/metrics") : Result<Response>(client.status());
    if (!metrics.ok() || !metrics->ok()) {
      const std::string why =
          metrics.ok() ? metrics->ProblemText() : std::string(metrics.status().message());
      line("server", a.server + ": no metrics (" + why + ")");
      attention.push_back("the server at " + a.server + " does not answer /metrics: " + why);
      out["server"] = {{"url", a.server}, {"error", why}};
    } else {
      std::vector<Sample> samples = ParseMetrics(metrics->body);
      const std::string writable = Metric(samples, "vigil_store_writable").value_or("?");
      const std::string queue = Metric(samples, "vigil_queue_depth").value_or("?");
      const std::string size = Metric(samples, "vigil_log_size").value_or("?");
      line("server", a.server + ": " + (writable == "1" ? "writable" : "NOT writable") + ", size " +
                         size + ", writer queue " + queue);
      out["server"] = {
          {"url", a.server}, {"writable", writable == "1"}, {"size", size}, {"queue_depth", queue}};
      if (writable != "1") {
        attention.push_back("the store refuses writes (vigil_store_writable " + writable +
                            "): docs/operator.md section 6, \"/healthz says read-only\"");
      }
      const bool held = Metric(samples, "vigil_signing_held").value_or("0") == "1";
      out["server"]["held"] = held;
      if (held) {
        line("signing", "HELD: the log refuses appends (GET /healthz says why)");
        attention.push_back(
            "the log holds signing: its store is behind a checkpoint it already published "
            "(an old backup restored, a copy); GET /healthz says why, docs/operator.md "
            "\"Restore and the published checkpoint\" what to do");
      }
      // Witness metrics are printed as the server names them: no witness, no lines.
      std::vector<std::string> witness;
      for (const Sample& s : samples) {
        if (s.series.rfind("vigil_witness_", 0) == 0) witness.push_back(s.series + " " + s.value);
      }
      if (witness.empty()) {
        line("witnesses", "no witnesses configured");
      } else {
        for (size_t i = 0; i < witness.size(); ++i) line(i == 0 ? "witnesses" : "", witness[i]);
      }
      out["witness_metrics"] = witness;
    }
  }

  // The newest backup.
  if (a.backups.empty()) {
    line("backup", "not asked (give --backups DIR, e.g. /var/backups/vigil)");
  } else {
    std::string problem;
    std::optional<BackupFacts> b = NewestBackup(a.backups, problem);
    if (!b) {
      const std::string why = problem.empty() ? "no backup in " + a.backups : problem;
      line("backup", why);
      attention.push_back(why);
      out["backup"] = {{"error", why}};
    } else {
      const int64_t age = now - b->created_ms;
      line("backup", b->path + ": " + std::to_string(b->entries) + " entries, " +
                         FormatTimestamp(b->created_ms) + " (" + Age(age) + ")");
      out["backup"] = {{"path", b->path},
                       {"entries", b->entries},
                       {"time", FormatTimestamp(b->created_ms)},
                       {"age_seconds", age / 1000}};
      if (static_cast<double>(age) > a.backup_max_age_h * 3600e3) {
        attention.push_back("the newest backup is " + Age(age) +
                            ": check vigil-backup.timer (journalctl -u vigil-backup)");
      }
    }
  }

  out["attention"] = attention;
  out["ok"] = attention.empty();
  if (a.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    for (const std::string& l : lines) std::cout << l << "\n";
    for (const std::string& l : attention) std::cout << "attention: " << l << "\n";
    if (attention.empty()) std::cout << "ok: nothing needs attention\n";
  }
  return attention.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void AddStatus(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "status",
      "The log at a glance: size, checkpoint age, disk, map, writer queue, witnesses, backup");
  cmd->footer(
      "Reads the store read-only (beside a running server), the disk under it, the newest\n"
      "BACKUP.json under --backups, and /metrics of --server. Every problem found is printed as\n"
      "an \"attention:\" line. Exit status: 0 nothing needs attention, 1 something does, 2 usage\n"
      "or no store.\n\n"
      "Example:\n"
      "  vigil status --data /var/lib/vigil --server http://127.0.0.1:8080 "
      "--backups /var/backups/vigil");
  auto a = std::make_shared<StatusArgs>();
  cmd->add_option("--data,-d", a->data, "Data directory of the log")->required();
  cmd->add_option("--server", a->server, "The log's server (local address), to read /metrics");
  cmd->add_option("--backups", a->backups, "Directory holding the backups (one per subdirectory)");
  cmd->add_option("--backup-max-age", a->backup_max_age_h,
                  "Hours after which the newest backup needs attention")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--checkpoint-max-age", a->checkpoint_max_age_h,
                  "Hours without a new checkpoint that need attention (0: never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-free", a->min_free_percent,
                  "Percent of free disk under which the disk needs attention")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("--json", a->json, "A JSON report instead of text");
  cmd->callback([a, &exit_code] { exit_code = RunStatus(*a); });
}

}  // namespace vigil::cli
