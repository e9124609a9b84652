// The subcommands of `vigil`. Each Add* registers one subcommand on `app`; when it runs, it
// stores its exit status in `exit_code`: 0 ok, 1 integrity failure or rejected records,
// 2 usage or I/O error (README and the role guides in docs/).
#ifndef VIGIL_CLI_COMMANDS_H_
#define VIGIL_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace vigil::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // verification failed, or records were rejected
inline constexpr int kExitUsage = 2;    // bad arguments, unreadable files, unreachable server

void AddKeygen(CLI::App& app, int& exit_code);
// genesis: entry 0 signed with an authority key kept offline (keys_commands.cc).
void AddGenesis(CLI::App& app, int& exit_code);
void AddInit(CLI::App& app, int& exit_code);
void AddServe(CLI::App& app, int& exit_code);
// witness init | serve: a C2SP tlog-witness (witness_command.cc).
void AddWitness(CLI::App& app, int& exit_code);
// Parses --listen: "host:port", ":port" or "port" (serve_command.cc). False if malformed.
bool ParseListen(const std::string& listen, std::string& host, int& port);
void AddSubmit(CLI::App& app, int& exit_code);
// register participant | licence | key (register_command.cc).
void AddRegister(CLI::App& app, int& exit_code);
// export entries | stock | transfers | inspections | alerts (export_command.cc).
void AddExport(CLI::App& app, int& exit_code);
void AddVerify(CLI::App& app, int& exit_code);
// receipt: a fresh receipt against the newest (cosigned) checkpoint (receipt_command.cc).
void AddReceipt(CLI::App& app, int& exit_code);
void AddDemo(CLI::App& app, int& exit_code);
// backup and restore (backup_command.cc).
void AddBackup(CLI::App& app, int& exit_code);
// publish: the checkpoint and hash tiles as static files (publish_command.cc).
void AddPublish(CLI::App& app, int& exit_code);
// accept-rollback: the recorded override of a log held behind its last checkpoint
// (rollback_command.cc).
void AddAcceptRollback(CLI::App& app, int& exit_code);
// participants, trail, stock, transfers, alerts, personal, inspections (query_commands.cc).
void AddQueries(CLI::App& app, int& exit_code);
// mirror, and mirror promote (mirror_command.cc).
void AddMirror(CLI::App& app, int& exit_code);
// status: the operator's one-screen view of a log (status_command.cc).
void AddStatus(CLI::App& app, int& exit_code);

}  // namespace vigil::cli

#endif  // VIGIL_CLI_COMMANDS_H_
