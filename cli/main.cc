// vigil: the command for submitting records to a Vigil ledger, serving it, and verifying it.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "keys/encoding.h"
#include "keys/passphrase.h"

namespace {

// "register participant": the subcommands that were given, for messages.
std::string CommandName(const CLI::App& app) {
  std::string name;
  for (const CLI::App* a = &app;;) {
    const std::vector<CLI::App*> sub = a->get_subcommands();
    if (sub.empty()) break;
    a = sub.front();
    name += (name.empty() ? "" : " ") + a->get_name();
  }
  return name;
}

// What escaped a command, on one line: a library's message can hold newlines.
int Escaped(const CLI::App& app, const std::string& what) {
  std::string line = what;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  const std::string name = CommandName(app);
  std::cerr << "vigil" << (name.empty() ? "" : " " + name) << ": unexpected error: " << line
            << " (nothing more was done; please report this)\n";
  return vigil::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  vigil::EnsureSodium();
  CLI::App app{
      "vigil - a tamper-evident ledger for controlled precursor chemicals and sensitive "
      "businesses.\nExit status: 0 ok, 1 integrity failure or rejected records, 2 usage or I/O "
      "error."};
  app.require_subcommand(1);
  // One config file for every command (operator.md): TOML, top-level keys or a [serve],
  // [submit], ... section per command, named like the long options ("data", "listen",
  // "server", "key", ...). Flags given on the command line win over the file.
  app.set_config("--config", "", "Read options from this TOML file (or $VIGIL_CONFIG)")
      ->envname("VIGIL_CONFIG");
  // Where the passphrase of a protected key file comes from when it is not in VIGIL_PASSPHRASE
  // and there is no terminal (keys/passphrase.h); given before or after the subcommand.
  app.add_option_function<int>(
         "--passphrase-fd", [](const int& fd) { vigil::SetPassphraseFd(fd); },
         "Read the passphrase of protected key files from this open file descriptor")
      ->check(CLI::NonNegativeNumber)
      ->envname("VIGIL_PASSPHRASE_FD");
  app.fallthrough();
  int exit_code = vigil::cli::kExitOk;
  vigil::cli::AddKeygen(app, exit_code);
  vigil::cli::AddGenesis(app, exit_code);
  vigil::cli::AddInit(app, exit_code);
  vigil::cli::AddServe(app, exit_code);
  vigil::cli::AddWitness(app, exit_code);
  vigil::cli::AddSubmit(app, exit_code);
  vigil::cli::AddRegister(app, exit_code);
  vigil::cli::AddExport(app, exit_code);
  vigil::cli::AddVerify(app, exit_code);
  vigil::cli::AddReceipt(app, exit_code);
  vigil::cli::AddDemo(app, exit_code);
  vigil::cli::AddBackup(app, exit_code);
  vigil::cli::AddQueries(app, exit_code);
  vigil::cli::AddMirror(app, exit_code);
  vigil::cli::AddStatus(app, exit_code);
  vigil::cli::AddPublish(app, exit_code);
  vigil::cli::AddAcceptRollback(app, exit_code);
  // Every command runs inside app.parse (CLI11 calls the subcommand's callback), so this is the
  // one place that turns whatever a command lets escape (nlohmann, httplib, the standard library,
  // a CLI11 error raised after parsing) into exit 2 and a line naming the command, instead of
  // std::terminate. Commands still report the errors they expect themselves.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? vigil::cli::kExitOk : vigil::cli::kExitUsage;
  } catch (const std::exception& e) {
    return Escaped(app, e.what());
  } catch (...) {
    return Escaped(app, "an exception that is not a std::exception");
  }
  return exit_code;
}
