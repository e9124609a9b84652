// vigil keygen, vigil genesis, vigil init.
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include "cli/commands.h"
#include "keys/file.h"
#include "keys/key.h"
#include "keys/passphrase.h"
#include "ledger/ledger.h"

namespace vigil::cli {

namespace {

// The Argon2id cost named by --kdf.
const std::map<std::string, KdfParams>& KdfPresets() {
  static const std::map<std::string, KdfParams> presets = {
      {"standard", KdfParams::Standard()},
      {"moderate", KdfParams::Moderate()},
      {"sensitive", KdfParams::Sensitive()},
  };
  return presets;
}

// A whole small file (a genesis registration), or an error naming it.
Result<std::string> ReadSmall(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kNotFound, "cannot open " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 65536) return Status(Code::kInvalidArgument, path + " is too large");
  return text;
}

// The genesis file of vigil genesis: {"signer","payload","sig"} as POST /v1/entries takes it.
Result<Submission> ReadGenesis(const std::string& path) {
  Result<std::string> text = ReadSmall(path);
  if (!text.ok()) return text.status();
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  const auto bad = Status(Code::kInvalidArgument,
                          path +
                              " is not a genesis file of vigil genesis "
                              "(a JSON object with string \"signer\", \"payload\", \"sig\")");
  if (!j.is_object()) return bad;
  for (const char* f : {"signer", "payload", "sig"}) {
    if (!j.contains(f) || !j[f].is_string()) return bad;
  }
  Result<Bytes> sig = Base64Decode(j["sig"].get<std::string>());
  if (!sig.ok()) return bad;
  Submission sub;
  sub.signer = j["signer"].get<std::string>();
  sub.payload = j["payload"].get<std::string>();
  sub.sig = *sig;
  return sub;
}

// The options a genesis registration is made from, shared by init and genesis.
void AddAuthorityOptions(CLI::App* cmd, InitOptions& init, std::string& province,
                         std::string& commune) {
  cmd->add_option("--authority-id", init.authority_id, "Participant id of the first authority")
      ->capture_default_str();
  cmd->add_option("--authority-name", init.authority_name, "Legal name of the first authority")
      ->capture_default_str();
  cmd->add_option("--province", province, "Jurisdiction: province");
  cmd->add_option("--commune", commune, "Jurisdiction: commune or ward");
}

nlohmann::json Jurisdiction(const std::string& province, const std::string& commune) {
  nlohmann::json j = nlohmann::json::object();
  if (!province.empty()) j["province"] = province;
  if (!commune.empty()) j["commune"] = commune;
  return j;
}

}  // namespace

void AddKeygen(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("keygen", "Create an Ed25519 key pair for signing records");
  cmd->footer(
      "Writes FILE (the secret seed, mode 0600) and FILE.pub, and prints the key id and the\n"
      "public key (base64) to give to the authority for registration.\n\n"
      "With --passphrase the seed is sealed under a passphrase (Argon2id, then\n"
      "XChaCha20-Poly1305; docs/formats.md), asked twice on the terminal, or taken from\n"
      "$VIGIL_PASSPHRASE or `vigil --passphrase-fd N`. Every command that then uses the key\n"
      "asks for the passphrase the same way, and the web page's sign-in accepts the file.\n"
      "--kdf sets the Argon2id cost: standard (t=3, 64 MiB, the default; a phone's browser\n"
      "opens it in seconds), moderate (t=3, 256 MiB) or sensitive (t=4, 1 GiB; CLI only in\n"
      "practice).\n\n"
      "--from KEY writes a new file for an existing key instead of making one: e.g. to seal a\n"
      "plain key file under a passphrase (then delete the plain one).\n\n"
      "Examples:\n  vigil keygen --out ~/.vigil/clerk.key\n"
      "  vigil keygen --passphrase --out ~/.vigil/clerk.key\n"
      "  vigil keygen --passphrase --kdf sensitive --out /media/usb/authority.key\n"
      "  vigil keygen --from ~/.vigil/old.key --passphrase --out ~/.vigil/clerk.key");
  struct Args {
    std::string out, from;
    bool passphrase = false;
    std::string kdf = "standard";
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--out,-o", a->out, "Path of the secret key file to create")->required();
  auto* pass_flag =
      cmd->add_flag("--passphrase", a->passphrase, "Seal the secret key under a passphrase");
  cmd->add_option("--from", a->from, "Write this existing secret key file's key instead");
  cmd->add_option("--kdf", a->kdf, "Argon2id cost with --passphrase: standard, moderate, sensitive")
      ->check(CLI::IsMember({"standard", "moderate", "sensitive"}))
      ->capture_default_str()
      ->needs(pass_flag);
  cmd->callback([a, &exit_code] {
    Result<SecretKey> loaded = a->from.empty() ? SecretKey::Generate() : SecretKey::Load(a->from);
    if (!loaded.ok()) {
      std::cerr << "vigil keygen: " << loaded.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    const SecretKey& key = *loaded;
    Status s;
    if (a->passphrase) {
      Result<SecretBytes> pass = AskNewPassphrase(a->out);
      s = pass.ok() ? key.SaveProtected(a->out, pass->view(), KdfPresets().at(a->kdf))
                    : pass.status();
    } else {
      s = key.Save(a->out);
    }
    if (s.ok()) s = SavePublicKey(key.public_key(), a->out + ".pub");
    if (!s.ok()) {
      std::cerr << "vigil keygen: " << s.message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "key id:     " << key.Id() << "\n"
              << "public key: " << key.public_key().ToBase64() << "\n"
              << "secret key: " << a->out << " (mode 0600"
              << (a->passphrase ? ", passphrase-protected" : "") << "; keep it private)\n";
  });
}

void AddGenesis(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("genesis",
                                 "Sign a new log's first entry with an authority key kept offline");
  cmd->footer(
      "The offline ceremony (docs/operator.md): on a machine that never serves, make the\n"
      "authority key with `vigil keygen --passphrase`, then sign the genesis registration\n"
      "(entry 0: the authority registers itself) with it. Carry FILE.pub and the genesis file\n"
      "(neither is secret) to the server and give both to `vigil init --authority-pub\n"
      "--genesis`. The secret key never touches the server.\n\n"
      "Example:\n  vigil genesis --key /media/usb/authority.key --out genesis.json \\\n"
      "    --origin vigil.hanoi.example/log \\\n"
      "    --authority-id ca-hanoi --authority-name \"Công an TP Hà Nội\" --province \"Hà Nội\"");
  struct Args {
    std::string key, out;
    InitOptions init;
    std::string province, commune;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--key,-k", a->key, "The authority's secret key file")->required();
  cmd->add_option("--out,-o", a->out, "Where to write the signed genesis registration")->required();
  cmd->add_option("--origin", a->init.origin,
                  "Origin of the log to be created (the same as `vigil init --origin`): the "
                  "signature is bound to it")
      ->required();
  AddAuthorityOptions(cmd, a->init, a->province, a->commune);
  cmd->callback([a, &exit_code] {
    a->init.jurisdiction = Jurisdiction(a->province, a->commune);
    Result<SecretKey> key = SecretKey::Load(a->key);
    if (!key.ok()) {
      std::cerr << "vigil genesis: " << key.status().message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    const std::string payload = GenesisPayload(a->init, key->public_key(), NowMs());
    const nlohmann::json j = {
        {"signer", key->Id()},
        {"payload", payload},
        {"sig", Base64Encode(key->Sign(SignContext::kEntry, a->init.origin, payload))},
    };
    Status s = WriteNewFile(a->out, j.dump() + "\n", 0644);
    if (!s.ok()) {
      std::cerr << "vigil genesis: " << s.message() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "genesis registration of \"" << a->init.authority_id << "\" signed by key "
              << key->Id() << " written to " << a->out << "\n";
  });
}

void AddInit(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("init", "Create a new, empty log with its keys");
  cmd->footer(
      "Creates DIR/keys/log.key (signs checkpoints), DIR/keys/authority.key (the first\n"
      "authority, registered by entry 0) and the store. Prints the verifier key that outside\n"
      "verifiers and monitors need.\n\n"
      "With --authority-pub and --genesis no authority secret is made on this machine: the\n"
      "key was made offline (vigil keygen) and entry 0 signed there (vigil genesis); the\n"
      "--authority-* and jurisdiction options are then those given to vigil genesis.\n\n"
      "Examples:\n  vigil init --data /var/lib/vigil --origin vigil.hanoi.example/log \\\n"
      "    --province \"Hà Nội\" --commune \"Phường Hoàn Kiếm\"\n"
      "  vigil init --data /var/lib/vigil --origin vigil.hanoi.example/log \\\n"
      "    --authority-pub authority.key.pub --genesis genesis.json");
  struct Args {
    std::string data;
    InitOptions init;
    std::string province, commune;
    std::string authority_pub, genesis;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data,-d", a->data, "Data directory for the new log")->required();
  cmd->add_option("--origin", a->init.origin, "Log origin (also the checkpoint key name)")
      ->required();
  AddAuthorityOptions(cmd, a->init, a->province, a->commune);
  auto* pub = cmd->add_option("--authority-pub", a->authority_pub,
                              "The first authority's public key file, made offline");
  auto* gen = cmd->add_option("--genesis", a->genesis,
                              "Entry 0 signed offline by that key (vigil genesis)");
  pub->needs(gen);
  gen->needs(pub);
  cmd->callback([a, &exit_code] {
    const auto fail = [&exit_code](const Status& s) {
      std::cerr << "vigil init: " << s.message() << "\n";
      exit_code = kExitUsage;
    };
    a->init.jurisdiction = Jurisdiction(a->province, a->commune);
    const bool offline = !a->authority_pub.empty();
    if (offline) {
      Result<PublicKey> pk = LoadPublicKey(a->authority_pub);
      if (!pk.ok()) return fail(pk.status());
      Result<Submission> genesis = ReadGenesis(a->genesis);
      if (!genesis.ok()) return fail(genesis.status());
      const nlohmann::json p = nlohmann::json::parse(genesis->payload, nullptr, false);
      if (p.is_object() && p.contains("actor") && p["actor"].is_string()) {
        a->init.authority_id = p["actor"].get<std::string>();
      }
      a->init.authority_pub = *pk;
      a->init.genesis = std::move(*genesis);
    }
    Result<LogInfo> info = Ledger::Init(a->data, a->init);
    if (!info.ok()) return fail(info.status());
    std::cout << "created log " << info->origin << " in " << a->data << "\n"
              << "verifier key: " << info->verifier_key << "\n";
    if (offline) {
      std::cout << "authority key: " << a->init.authority_pub->Id() << " (participant \""
                << a->init.authority_id << "\"; made offline, no secret on this machine)\n";
    } else {
      std::cout << "authority key: " << a->data << "/keys/authority.key (participant \""
                << a->init.authority_id << "\"; move it off the server)\n";
    }
  });
}

}  // namespace vigil::cli
