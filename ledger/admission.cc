#include "ledger/admission.h"

#include <spdlog/spdlog.h>

#include "keys/coding.h"
#include "ledger/access.h"
#include "ledger/txn_state_store.h"

namespace vigil {

RecordAttachment& AttachmentOf(Submission& sub) {
  if (auto* a = dynamic_cast<RecordAttachment*>(sub.attachment.get()); a != nullptr) return *a;
  auto fresh = std::make_shared<RecordAttachment>();
  RecordAttachment& ref = *fresh;
  sub.attachment = std::move(fresh);
  return ref;
}

const RecordAttachment* FindAttachment(const Submission& sub) {
  return dynamic_cast<const RecordAttachment*>(sub.attachment.get());
}

const Result<Payload>& PreparedPayload(const Submission& sub,
                                       std::optional<Result<Payload>>* scratch) {
  const RecordAttachment* a = FindAttachment(sub);
  if (a != nullptr && a->parsed.has_value()) return *a->parsed;
  return scratch->emplace(ParsePayload(sub.payload));
}

void RecordAdmission::Prepare(const db::Txn& snapshot, Submission& sub) const {
  RecordAttachment& a = AttachmentOf(sub);
  a.parsed.emplace(ParsePayload(sub.payload));
  a.verified.pairs.clear();
  const TxnStateStore state(snapshot);
  auto check = [&](const std::string& signer, const std::string& sig) {
    Result<std::optional<KeyRecord>> key = LoadKey(state, signer);
    if (key.ok() && key->has_value() &&
        (*key)->public_key.Verify(SignContext::kEntry, origin_, sub.payload, sig)) {
      a.verified.pairs.emplace_back((*key)->public_key, sig);
    }
  };
  check(sub.signer, sub.sig);
  for (const Cosignature& c : sub.cosigners) check(c.signer, c.sig);
}

namespace {

// Whether `sub` is signed (its main signature) by a registered key of the payload's actor.
Result<bool> SignedByActor(const StateStore& state, std::string_view origin, const Submission& sub,
                           const Payload& payload, const VerifiedSignatures* verified) {
  Result<std::optional<KeyRecord>> key = LoadKey(state, sub.signer);
  if (!key.ok()) return key.status();
  return key->has_value() && (*key)->participant == payload.actor &&
         ((verified != nullptr && verified->Contains((*key)->public_key, sub.sig)) ||
          (*key)->public_key.Verify(SignContext::kEntry, origin, sub.payload, sub.sig));
}

// Whether entry `seq` carries exactly the payload of `sub`.
Result<bool> SamePayload(const PayloadAt& payload_at, const Submission& sub, uint64_t seq) {
  Result<std::string> stored = payload_at(seq);
  if (!stored.ok()) return stored.status();
  return *stored == sub.payload;
}

}  // namespace

Result<std::string> CheckPersonalSide(const Payload& payload, const RecordAttachment* a) {
  const bool has_data = a != nullptr && !a->personal.empty();
  const auto commitment = payload.body.find("personal_commitment");
  if ((commitment != payload.body.end()) != has_data) {
    return Status(Code::kInvalidArgument,
                  "personal data and the payload's personal_commitment go together: send both "
                  "or neither");
  }
  if (!has_data) return std::string();
  if (!commitment->is_string()) {
    return Status(Code::kInvalidArgument, "personal_commitment must be a string");
  }
  VIGIL_RETURN_IF_ERROR(
      CheckPersonalCommitment(a->personal, a->personal_salt, commitment->get<std::string>()));
  return commitment->get<std::string>();
}

Result<std::optional<uint64_t>> RecordAdmission::Judge(StateStore& state,
                                                       const PayloadAt& payload_at,
                                                       const Submission& sub,
                                                       const Payload& payload,
                                                       const Entry& entry) const {
  const RecordAttachment* a = FindAttachment(sub);
  if (Result<std::string> c = CheckPersonalSide(payload, a); !c.ok()) return c.status();
  const VerifiedSignatures* verified = a != nullptr ? &a->verified : nullptr;
  // The one shortcut the server adds to Apply: the same payload again, signed by a key of its
  // actor, is a resend and gets the original entry. Anything else with a used id is refused by
  // Apply's id rule. Ids are looked up only once the signature is known good, so a caller
  // without the actor's key learns nothing of which ids it used (Apply checks the signature
  // before its id rule too).
  Result<bool> by_actor = SignedByActor(state, origin_, sub, payload, verified);
  if (!by_actor.ok()) return by_actor.status();
  if (*by_actor) {
    Result<std::optional<uint64_t>> prior = FindPriorSeq(state, payload.actor, payload.id);
    if (!prior.ok()) return prior.status();
    if (prior->has_value()) {
      Result<bool> same = SamePayload(payload_at, sub, **prior);
      if (!same.ok()) return same.status();
      if (*same) return prior;
    }
  }
  if (Status applied = Apply(state, origin_, entry, payload, verified); !applied.ok()) {
    // A refusal leaves the ledger as its signer (the payload's actor, whose key signed it
    // when rules were judged at all) may see it.
    if (applied.code() != Code::kRuleViolation) return applied;
    Result<std::optional<Participant>> actor = LoadParticipant(state, payload.actor);
    if (!actor.ok()) return actor.status();
    return actor->has_value()
               ? access::SeenBy((*actor)->role, payload.actor, std::move(applied))
               : applied;  // the genesis authority registering itself reads everything
  }
  return std::optional<uint64_t>();
}

Result<std::optional<uint64_t>> RecordAdmission::Admit(db::Txn& txn, const Submission& sub,
                                                       const Entry& entry) {
  const RecordAttachment* a = FindAttachment(sub);
  std::optional<Result<Payload>> parsed_here;
  const Result<Payload>& payload = PreparedPayload(sub, &parsed_here);
  if (!payload.ok()) return payload.status();
  TxnStateStore state(txn);
  auto stored_payload = [&txn](uint64_t seq) -> Result<std::string> {
    Result<std::optional<std::string>> stored =
        txn.Get(db::Table::kEntries, EncodeBigEndian64(seq));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      return Status(Code::kCorruption,
                    "the state names entry " + std::to_string(seq) + ", which is not stored");
    }
    Result<Entry> e = DecodeEntry(**stored);
    if (!e.ok()) return e.status();
    return std::move(e->payload);
  };
  Result<std::optional<uint64_t>> judged = Judge(state, stored_payload, sub, *payload, entry);
  if (!judged.ok() || judged->has_value()) return judged;
  // Side data, outside the entry and the state: sealed personal data, and its erasure.
  if (a != nullptr && !a->personal.empty()) {
    if (vault_ == nullptr) {
      return Status(Code::kFailedPrecondition, "the ledger has no personal-data key open");
    }
    const std::string commitment = payload->body["personal_commitment"].get<std::string>();
    Result<std::string> sealed = vault_->Seal(PersonalBinding{origin_, entry.seq, commitment},
                                              a->personal_salt, a->personal);
    if (!sealed.ok()) return sealed.status();
    sealed_in_batch_ = true;
    VIGIL_RETURN_IF_ERROR(txn.Put(db::Table::kPersonal, EncodeBigEndian64(entry.seq), *sealed));
  }
  if (payload->type == "erasure") {  // Apply checked the target
    const std::string target = EncodeBigEndian64(payload->body["target_seq"].get<uint64_t>());
    Result<std::optional<std::string>> stored = txn.Get(db::Table::kPersonal, target);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {
      Result<PersonalRecord> r = DecodePersonalRecord(**stored);
      if (!r.ok()) return r.status();
      VIGIL_RETURN_IF_ERROR(
          txn.Put(db::Table::kPersonal, target, EncodeErasedPersonalRecord(r->slot)));
      erased_slots_.push_back(r->slot);
    }
  }
  return std::optional<uint64_t>();
}

Status RecordAdmission::BeforeCommit() {
  if (!slot_failure_.ok()) return slot_failure_;
  if (!sealed_in_batch_) return Status::Ok();
  return vault_->Sync();
}

void RecordAdmission::AfterBatch(bool committed) {
  if (committed && !erased_slots_.empty()) {
    Status s;
    for (uint64_t slot : erased_slots_) {
      if (s.ok()) s = vault_->DestroyKey(slot);
    }
    if (s.ok()) s = vault_->Sync();
    if (!s.ok()) {
      spdlog::error(
          "erased personal data keeps its key until the next start, which destroys it: {}",
          s.message());
      // Sticky, as a failed commit: no further write until a restart has finished the erasure.
      slot_failure_ = Status(Code::kFailedPrecondition,
                             "the personal-data slot file failed (" + s.message() +
                                 "); restart the server, which finishes the erasure");
    }
  }
  sealed_in_batch_ = false;
  erased_slots_.clear();
}

}  // namespace vigil
