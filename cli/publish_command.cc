// vigil publish: the log's public read path (checkpoint and hash tiles) as static files for
// nginx or a CDN (ledger/log/publish.h; docs/operator.md "Static reads with nginx"). Reads the
// store read-only, so it may run beside `vigil serve`.
#include <iostream>

#include "cli/commands.h"
#include "ledger/log/db.h"
#include "ledger/log/log.h"
#include "ledger/log/publish.h"

namespace vigil::cli {

namespace {

int Publish(const std::string& data, const std::string& out) {
  auto fail = [](const std::string& why) {
    std::cerr << "vigil publish: " << why << "\n";
    return kExitUsage;
  };
  if (Status s = Log::CheckExists(data); !s.ok()) return fail(s.message());
  db::EnvOptions o;
  o.read_only = true;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(data + "/store", o);
  if (!env.ok()) return fail(env.status().message());
  Result<db::Txn> txn = (*env)->BeginRead();
  if (!txn.ok()) return fail(txn.status().message());
  Result<LogInfo> info = Log::ReadInfo(*txn);
  if (!info.ok()) return fail(info.status().message());
  Result<std::string> note = CheckpointToPublish(*txn);
  if (!note.ok()) return fail(note.status().message());
  Result<PublishResult> r = PublishCheckpoint(*txn, *info, *note, out);
  if (!r.ok()) {
    const Code c = r.status().code();
    if (c == Code::kFailedPrecondition || c == Code::kCorruption) {
      std::cout << "REFUSED: " << r.status().message() << "\n";
      return kExitFailure;
    }
    return fail(r.status().message());
  }
  if (!r->checkpoint_written) {
    std::cout << out << " already publishes " << info->origin << " at size " << r->size
              << "; nothing to do\n";
  } else {
    std::cout << "published " << info->origin << " at size " << r->size << " to " << out << ": "
              << r->tiles_written << " tile file(s) written, " << r->partials_removed
              << " partial tile(s) removed\n";
  }
  return kExitOk;
}

}  // namespace

void AddPublish(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "publish", "Write the public checkpoint and hash tiles as static files (for nginx, a CDN)");
  cmd->footer(
      "Writes OUT/checkpoint (what GET /checkpoint serves) and the hash tiles of its tree in\n"
      "the C2SP tlog-tiles layout, OUT/tile/<L>/<N>[.p/<W>]; never the entry bundles, which\n"
      "are private. Incremental: a second run writes only what is new. Every file appears by\n"
      "atomic rename; tiles before the checkpoint that needs them; full tiles are never\n"
      "rewritten; partial tiles are removed once their full tile is published. Refuses to\n"
      "publish a checkpoint smaller than, or not extending, the one already in OUT. Reads the\n"
      "store read-only: it may run while vigil serve runs (or use serve --publish OUT).\n"
      "Exit status: 0 published, 1 refused (OUT is ahead of or forks from the store), 2 usage\n"
      "or I/O error.\n\n"
      "Example:\n  vigil publish --data /var/lib/vigil --to /srv/vigil-static");
  struct Args {
    std::string data, out;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data,-d", a->data, "Data directory of the log")->required();
  cmd->add_option("--to,-o", a->out, "Directory to publish into (created if missing)")->required();
  cmd->callback([a, &exit_code] { exit_code = Publish(a->data, a->out); });
}

}  // namespace vigil::cli
