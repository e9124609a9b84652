// vigil: the command for submitting records to a Vigil ledger, serving it, and verifying it.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "keys/encoding.h"

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
  int exit_code = vigil::cli::kExitOk;
  vigil::cli::AddKeygen(app, exit_code);
  vigil::cli::AddInit(app, exit_code);
  vigil::cli::AddServe(app, exit_code);
  vigil::cli::AddSubmit(app, exit_code);
  vigil::cli::AddRegister(app, exit_code);
  vigil::cli::AddExport(app, exit_code);
  vigil::cli::AddVerify(app, exit_code);
  vigil::cli::AddDemo(app, exit_code);
  vigil::cli::AddBackup(app, exit_code);
  vigil::cli::AddQueries(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? vigil::cli::kExitOk : vigil::cli::kExitUsage;
  }
  return exit_code;
}
