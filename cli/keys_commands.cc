// vigil keygen, vigil init.
#include <iostream>

#include "cli/commands.h"
#include "keys/key.h"
#include "ledger/ledger.h"

namespace vigil::cli {

void AddKeygen(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("keygen", "Create an Ed25519 key pair for signing records");
  cmd->footer(
      "Writes FILE (the secret seed, mode 0600) and FILE.pub, and prints the key id and the\n"
      "public key (base64) to give to the authority for registration.\n\n"
      "Example:\n  vigil keygen --out ~/.vigil/clerk.key");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out,-o", *out, "Path of the secret key file to create")->required();
  cmd->callback([out, &exit_code] {
    SecretKey key = SecretKey::Generate();
    Status s = key.Save(*out);
    if (s.ok()) s = SavePublicKey(key.public_key(), *out + ".pub");
    if (!s.ok()) {
      std::cerr << "vigil keygen: " << s.message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "key id:     " << key.Id() << "\n"
              << "public key: " << key.public_key().ToBase64() << "\n"
              << "secret key: " << *out << " (mode 0600; keep it private)\n";
  });
}

void AddInit(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("init", "Create a new, empty log with its keys");
  cmd->footer(
      "Creates DIR/keys/log.key (signs checkpoints), DIR/keys/authority.key (the first\n"
      "authority, registered by entry 0) and the store. Prints the verifier key that outside\n"
      "verifiers and monitors need.\n\n"
      "Example:\n  vigil init --data /var/lib/vigil --origin vigil.hanoi.example/log \\\n"
      "    --province \"Hà Nội\" --commune \"Phường Hoàn Kiếm\"");
  struct Args {
    std::string data;
    InitOptions init;
    std::string province, commune;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data,-d", a->data, "Data directory for the new log")->required();
  cmd->add_option("--origin", a->init.origin, "Log origin (also the checkpoint key name)")
      ->required();
  cmd->add_option("--authority-id", a->init.authority_id, "Participant id of the first authority")
      ->capture_default_str();
  cmd->add_option("--authority-name", a->init.authority_name, "Legal name of the first authority")
      ->capture_default_str();
  cmd->add_option("--province", a->province, "Jurisdiction: province");
  cmd->add_option("--commune", a->commune, "Jurisdiction: commune or ward");
  cmd->callback([a, &exit_code] {
    a->init.jurisdiction = nlohmann::json::object();
    if (!a->province.empty()) a->init.jurisdiction["province"] = a->province;
    if (!a->commune.empty()) a->init.jurisdiction["commune"] = a->commune;
    Result<LogInfo> info = Ledger::Init(a->data, a->init);
    if (!info.ok()) {
      std::cerr << "vigil init: " << info.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "created log " << info->origin << " in " << a->data << "\n"
              << "verifier key: " << info->verifier_key << "\n"
              << "authority key: " << a->data << "/keys/authority.key (participant \""
              << a->init.authority_id << "\"; move it off the server)\n";
  });
}

}  // namespace vigil::cli
