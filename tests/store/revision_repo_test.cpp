#include "store/revision_repo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "store/settings_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

std::string guid(int n) {
    char text[37];
    std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", n);
    return text;
}

const std::string kProductA = "a0000000-0000-4000-8000-00000000000a";
const std::string kProductB = "b0000000-0000-4000-8000-00000000000b";
const std::string kSecurity = "0fa1201d-4330-4fa8-8ae9-b877473b6441";

NewRevision make(int update, int revision, std::vector<std::string> products = {kProductA}) {
    NewRevision r;
    r.update_id = guid(update);
    r.revision_number = revision;
    r.title = "Update " + std::to_string(update);
    r.product_ids = std::move(products);
    r.xml = "<Update id='" + std::to_string(update) + "' rev='" + std::to_string(revision) + "'/>";
    return r;
}

class RevisionRepoTest : public testing::StoreTest {
  protected:
    Result<InsertedRevision> insert(const NewRevision& r, std::int64_t now = 1000) {
        return store().with_writer([&](Connection& c) { return RevisionRepo(c).insert(r, at_ms(now)); });
    }
    template <class F>
    auto read(F&& fn) {
        return store().with_reader([&](Connection& c) { return fn(RevisionRepo(c)); });
    }
};

TEST_F(RevisionRepoTest, InsertStoresEveryPart) {
    NewRevision r = make(1, 100);
    r.update_id = "{00000000-0000-4000-8000-00000000000A}";  // braces and upper case are normalized
    r.kb = "5030211";
    r.msrc_severity = "Critical";
    r.classification_id = kSecurity;
    r.category_ids = {guid(900)};
    r.creation_date = at_ms(1'600'000'000'000);
    r.is_leaf = false;
    r.xml.assign(20000, 'x');
    r.fragments = {{FragmentKind::core, "", "<Core/>"},
                   {FragmentKind::extended, "", "<Extended/>"},
                   {FragmentKind::localized, "EN", "<Title>Hello</Title>"},
                   {FragmentKind::localized, "de", "<Title>Hallo</Title>"}};
    r.files = {{std::string(40, 'A'), std::string(64, 'b'), 12345, "kb.cab", "http://x/kb.cab", "Express"}};
    r.drivers = {{"PCI\\VEN_8086&DEV_1234", {"PCI\\VEN_8086", "PCI\\CC_0200"}, "1.2.3.4", "2023-01-31", "Net"}};
    auto inserted = insert(r, 4242);
    ASSERT_OK(inserted);
    EXPECT_TRUE(inserted->created);

    auto got = read([](RevisionRepo repo) { return repo.get("00000000-0000-4000-8000-00000000000a", 100); });
    ASSERT_OK(got);
    EXPECT_EQ(got->id, inserted->id);
    EXPECT_EQ(got->update_id, "00000000-0000-4000-8000-00000000000a");
    EXPECT_EQ(got->title, "Update 1");
    EXPECT_EQ(got->kb, std::optional<std::string>("5030211"));
    EXPECT_EQ(got->msrc_severity, std::optional<std::string>("Critical"));
    EXPECT_EQ(got->classification_id, std::optional<std::string>(kSecurity));
    EXPECT_EQ(got->creation_date, at_ms(1'600'000'000'000));
    EXPECT_EQ(got->update_type, UpdateType::software);
    EXPECT_FALSE(got->is_leaf);
    EXPECT_TRUE(got->is_latest);
    EXPECT_EQ(got->change_seq, 1);
    EXPECT_EQ(got->imported_at, at_ms(4242));

    const RevisionId id = inserted->id;
    EXPECT_EQ(*read([&](RevisionRepo repo) { return repo.xml(id); }), r.xml);
    EXPECT_EQ(*read([&](RevisionRepo repo) { return repo.fragment(id, FragmentKind::core); }), "<Core/>");
    EXPECT_EQ(*read([&](RevisionRepo repo) { return repo.fragment(id, FragmentKind::extended); }), "<Extended/>");
    EXPECT_EQ(*read([&](RevisionRepo repo) { return repo.fragment(id, FragmentKind::localized, "en"); }),
              "<Title>Hello</Title>");
    EXPECT_EQ(read([&](RevisionRepo repo) { return repo.fragment(id, FragmentKind::localized, "fr"); }).error().code,
              Errc::not_found);
    EXPECT_EQ(*read([&](RevisionRepo repo) { return repo.fragment_languages(id); }),
              (std::vector<std::string>{"de", "en"}));

    // The XML blob is stored compressed.
    auto stored = store().with_reader([&](Connection& c) {
        return c.query_int("SELECT length(data) FROM revision_xml WHERE revision_id = " + std::to_string(id));
    });
    ASSERT_OK(stored);
    EXPECT_LT(*stored, 1000);

    auto categories = read([&](RevisionRepo repo) { return repo.categories(id); });
    ASSERT_OK(categories);
    ASSERT_EQ(categories->size(), 3u);
    EXPECT_EQ((*categories)[0].category_id, guid(900));
    EXPECT_EQ((*categories)[0].kind, CategoryKind::other);
    EXPECT_EQ((*categories)[1].category_id, kProductA);
    EXPECT_EQ((*categories)[1].kind, CategoryKind::product);
    EXPECT_EQ((*categories)[2].kind, CategoryKind::classification);

    const std::vector<RevisionId> ids{id};
    auto files = read([&](RevisionRepo repo) { return repo.files(ids); });
    ASSERT_OK(files);
    ASSERT_EQ(files->size(), 1u);
    EXPECT_EQ((*files)[0].file.sha1, std::string(40, 'a'));
    EXPECT_EQ((*files)[0].file.sha256, std::optional<std::string>(std::string(64, 'b')));
    EXPECT_EQ((*files)[0].file.size, 12345);
    EXPECT_EQ((*files)[0].file.patching_type, "Express");

    auto drivers = read([&](RevisionRepo repo) { return repo.drivers_for_hardware_id("pci\\ven_8086&dev_1234"); });
    ASSERT_OK(drivers);
    ASSERT_EQ(drivers->size(), 1u);
    EXPECT_EQ((*drivers)[0].revision_id, id);
    EXPECT_EQ((*drivers)[0].driver.compatible_ids, (std::vector<std::string>{"PCI\\VEN_8086", "PCI\\CC_0200"}));
    EXPECT_EQ((*drivers)[0].driver.date, "2023-01-31");
    EXPECT_EQ((*drivers)[0].driver.driver_class, "Net");
}

TEST_F(RevisionRepoTest, ReinsertingARevisionIsANoOp) {
    auto first = insert(make(1, 1));
    ASSERT_OK(first);
    auto second = insert(make(1, 1));
    ASSERT_OK(second);
    EXPECT_EQ(second->id, first->id);
    EXPECT_FALSE(second->created);
    EXPECT_EQ(*read([](RevisionRepo repo) { return repo.count(); }), 1);
    auto version = store().with_reader([](Connection& c) { return SettingsRepo(c).catalog_version(); });
    EXPECT_EQ(*version, 1);
}

TEST_F(RevisionRepoTest, NewRevisionReplacesTheOldAsLatest) {
    auto r1 = insert(make(1, 1));
    auto r2 = insert(make(1, 2));
    ASSERT_OK(r1);
    ASSERT_OK(r2);
    EXPECT_GT(r2->id, r1->id);

    auto latest = read([](RevisionRepo repo) { return repo.latest(guid(1)); });
    ASSERT_OK(latest);
    EXPECT_EQ(latest->id, r2->id);
    EXPECT_EQ(latest->revision_number, 2);
    auto old = read([&](RevisionRepo repo) { return repo.get(r1->id); });
    ASSERT_OK(old);
    EXPECT_FALSE(old->is_latest);
    EXPECT_EQ(*read([](RevisionRepo repo) { return repo.count(); }), 2);
    EXPECT_EQ(*read([](RevisionRepo repo) { return repo.count_latest(); }), 1);

    // A late-arriving older revision is stored but does not become latest.
    auto r0 = insert(make(1, 0));
    ASSERT_OK(r0);
    EXPECT_EQ(read([](RevisionRepo repo) { return repo.latest(guid(1)); })->id, r2->id);
    auto history = read([](RevisionRepo repo) { return repo.history(guid(1)); });
    ASSERT_OK(history);
    ASSERT_EQ(history->size(), 3u);
    EXPECT_EQ((*history)[0].revision_number, 0);
    EXPECT_FALSE((*history)[0].is_latest);
}

TEST_F(RevisionRepoTest, NewRevisionInheritsDecline) {
    ASSERT_OK(insert(make(1, 1)));
    ASSERT_OK(store().with_writer([](Connection& c) { return RevisionRepo(c).set_declined(guid(1), true); }));
    ASSERT_OK(insert(make(1, 2)));
    auto latest = read([](RevisionRepo repo) { return repo.latest(guid(1)); });
    ASSERT_OK(latest);
    EXPECT_TRUE(latest->declined);
}

TEST_F(RevisionRepoTest, ChangedInCategoriesSinceAVersion) {
    auto a = insert(make(1, 1, {kProductA}));
    auto b = insert(make(2, 1, {kProductB}));
    auto c = insert(make(3, 1, {kProductA, kProductB}));
    ASSERT_OK(a);
    ASSERT_OK(b);
    ASSERT_OK(c);
    const std::vector<std::string> product_a{kProductA};

    auto all_a = read([&](RevisionRepo repo) { return repo.changed_in_categories(product_a, 0, 100); });
    ASSERT_OK(all_a);
    ASSERT_EQ(all_a->size(), 2u);
    EXPECT_EQ((*all_a)[0].id, a->id);
    EXPECT_EQ((*all_a)[1].id, c->id);

    const auto since = (*all_a)[0].change_seq;
    auto newer = read([&](RevisionRepo repo) { return repo.changed_in_categories(product_a, since, 100); });
    ASSERT_OK(newer);
    ASSERT_EQ(newer->size(), 1u);
    EXPECT_EQ((*newer)[0].id, c->id);

    // Declining re-stamps the update, so it shows up as changed again, after c.
    const auto before_decline = (*newer)[0].change_seq;
    ASSERT_OK(store().with_writer([](Connection& conn) { return RevisionRepo(conn).set_declined(guid(1), true); }));
    auto after = read([&](RevisionRepo repo) { return repo.changed_in_categories(product_a, before_decline, 100); });
    ASSERT_OK(after);
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ((*after)[0].id, a->id);
    EXPECT_TRUE((*after)[0].declined);

    // A superseding revision replaces the old one in the result.
    ASSERT_OK(insert(make(3, 2, {kProductA})));
    auto latest_only = read([&](RevisionRepo repo) { return repo.changed_in_categories(product_a, 0, 100); });
    ASSERT_OK(latest_only);
    ASSERT_EQ(latest_only->size(), 2u);
    EXPECT_EQ((*latest_only)[1].update_id, guid(3));
    EXPECT_EQ((*latest_only)[1].revision_number, 2);

    auto page = read([](RevisionRepo repo) { return repo.changed_since(0, 2); });
    ASSERT_OK(page);
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].update_id, guid(2));  // b is now the oldest unchanged latest row
    auto rest = read([&](RevisionRepo repo) { return repo.changed_since((*page)[1].change_seq, 2); });
    ASSERT_OK(rest);
    EXPECT_EQ(rest->size(), 1u);
}

TEST_F(RevisionRepoTest, ChangedSinceUsesTheChangeIndex) {
    auto plan = store().with_reader([](Connection& c) -> Result<std::string> {
        auto st = c.prepare(
            "EXPLAIN QUERY PLAN SELECT id FROM revision r WHERE r.is_latest = 1 AND r.change_seq > 5 "
            "ORDER BY r.change_seq LIMIT 10");
        if (!st) return std::unexpected(st.error());
        std::string text;
        while (true) {
            auto row = st->step();
            if (!row) return std::unexpected(row.error());
            if (!*row) return text;
            text += st->text(3) + "\n";
        }
    });
    ASSERT_OK(plan);
    EXPECT_NE(plan->find("revision_latest_by_change"), std::string::npos) << *plan;
    EXPECT_EQ(plan->find("TEMP B-TREE"), std::string::npos) << *plan;
}

TEST_F(RevisionRepoTest, PrerequisiteClosureIsInDependencyOrder) {
    // A needs B and (C or D); B needs C; D is not in the store.
    NewRevision a = make(1, 1);
    a.prerequisites = {{guid(2)}, {guid(3), guid(4)}};
    NewRevision b = make(2, 1);
    b.prerequisites = {{guid(3)}};
    ASSERT_OK(insert(a));
    ASSERT_OK(insert(b));
    ASSERT_OK(insert(make(3, 1)));

    const std::vector<std::string> roots{guid(1)};
    auto closure = read([&](RevisionRepo repo) { return repo.prerequisite_closure(roots); });
    ASSERT_OK(closure);
    EXPECT_EQ(closure->ordered, (std::vector<std::string>{guid(3), guid(2), guid(1)}));
    EXPECT_EQ(closure->unknown, (std::vector<std::string>{guid(4)}));

    auto groups = read([](RevisionRepo repo) -> Result<std::vector<std::vector<std::string>>> {
        auto latest = repo.latest(guid(1));
        if (!latest) return std::unexpected(latest.error());
        return repo.prerequisites(latest->id);
    });
    ASSERT_OK(groups);
    EXPECT_EQ(*groups, (std::vector<std::vector<std::string>>{{guid(2)}, {guid(3), guid(4)}}));
}

TEST_F(RevisionRepoTest, PrerequisiteCycleTerminates) {
    NewRevision x = make(1, 1);
    x.prerequisites = {{guid(2)}};
    NewRevision y = make(2, 1);
    y.prerequisites = {{guid(1)}};
    ASSERT_OK(insert(x));
    ASSERT_OK(insert(y));
    const std::vector<std::string> roots{guid(1), guid(2)};
    auto closure = read([&](RevisionRepo repo) { return repo.prerequisite_closure(roots); });
    ASSERT_OK(closure);
    EXPECT_EQ(closure->ordered, (std::vector<std::string>{guid(2), guid(1)}));
}

TEST_F(RevisionRepoTest, SupersedenceAndBundles) {
    NewRevision newer = make(2, 1);
    newer.supersedes = {guid(1)};
    NewRevision bundle = make(3, 1);
    bundle.is_bundle = true;
    bundle.bundled = {{guid(5), 7}, {guid(4), 2}};
    ASSERT_OK(insert(make(1, 1)));
    auto n = insert(newer);
    auto bn = insert(bundle);
    ASSERT_OK(n);
    ASSERT_OK(bn);

    auto superseding = read([](RevisionRepo repo) { return repo.superseding(guid(1)); });
    ASSERT_OK(superseding);
    ASSERT_EQ(superseding->size(), 1u);
    EXPECT_EQ((*superseding)[0].id, n->id);
    EXPECT_EQ(*read([&](RevisionRepo repo) { return repo.superseded_by_revision(n->id); }),
              (std::vector<std::string>{guid(1)}));
    EXPECT_TRUE(read([](RevisionRepo repo) { return repo.superseding(guid(2)); })->empty());

    auto members = read([&](RevisionRepo repo) { return repo.bundle_members(bn->id); });
    ASSERT_OK(members);
    ASSERT_EQ(members->size(), 2u);
    EXPECT_EQ((*members)[0].update_id, guid(4));
    EXPECT_EQ((*members)[0].revision_number, 2);
    auto containing = read([](RevisionRepo repo) { return repo.bundles_containing(guid(5)); });
    ASSERT_OK(containing);
    ASSERT_EQ(containing->size(), 1u);
    EXPECT_EQ((*containing)[0].id, bn->id);
    EXPECT_TRUE((*containing)[0].is_bundle);
}

TEST_F(RevisionRepoTest, FilesAreSharedBetweenRevisions) {
    const FileRecord cab{std::string(40, 'c'), std::nullopt, 99, "shared.cab", "", ""};
    NewRevision r1 = make(1, 1);
    r1.files = {cab};
    NewRevision r2 = make(2, 1);
    r2.files = {cab};
    auto i1 = insert(r1);
    auto i2 = insert(r2);
    ASSERT_OK(i1);
    ASSERT_OK(i2);
    auto file_rows = store().with_reader([](Connection& c) { return c.query_int("SELECT COUNT(*) FROM file"); });
    EXPECT_EQ(*file_rows, 1);
    const std::vector<RevisionId> ids{i2->id, i1->id};
    auto files = read([&](RevisionRepo repo) { return repo.files(ids); });
    ASSERT_OK(files);
    ASSERT_EQ(files->size(), 2u);
    EXPECT_EQ((*files)[0].revision_id, i1->id);
    EXPECT_EQ((*files)[1].revision_id, i2->id);
    auto by_digest = read([](RevisionRepo repo) { return repo.file_by_sha1(std::string(40, 'C')); });
    ASSERT_OK(by_digest);
    EXPECT_EQ(by_digest->name, "shared.cab");
    EXPECT_EQ(by_digest->sha256, std::nullopt);
}

TEST_F(RevisionRepoTest, LanguagesOfLanguageSpecificUpdatesAndRevisionsOfAFile) {
    const FileRecord shared{std::string(40, 'd'), std::nullopt, 10, "shared.cab", "", ""};
    NewRevision de = make(1, 1);
    de.languages = {"DE", "de-CH"};
    de.files = {shared};
    NewRevision neutral = make(2, 1);
    neutral.files = {shared};
    auto i1 = insert(de);
    auto i2 = insert(neutral);
    ASSERT_OK(i1);
    ASSERT_OK(i2);
    auto langs = read([](RevisionRepo repo) { return repo.languages(); });
    ASSERT_OK(langs);
    const std::vector<std::pair<RevisionId, std::string>> want{{i1->id, "de"}, {i1->id, "de-ch"}};
    EXPECT_EQ(*langs, want);
    auto revs = read([](RevisionRepo repo) { return repo.revisions_of_file(std::string(40, 'D')); });
    ASSERT_OK(revs);
    std::sort(revs->begin(), revs->end());
    EXPECT_EQ(*revs, (std::vector<RevisionId>{i1->id, i2->id}));
    auto none = read([](RevisionRepo repo) { return repo.revisions_of_file(std::string(40, 'e')); });
    ASSERT_OK(none);
    EXPECT_TRUE(none->empty());
}

TEST_F(RevisionRepoTest, InvalidInputLeavesNothingBehind) {
    NewRevision bad = make(1, 1);
    bad.files = {{"not-hex", std::nullopt, 1, "x", "", ""}};
    auto r = insert(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_EQ(*read([](RevisionRepo repo) { return repo.count(); }), 0);
    auto version = store().with_reader([](Connection& c) { return SettingsRepo(c).catalog_version(); });
    EXPECT_EQ(*version, 0);

    NewRevision bad_guid = make(1, 1);
    bad_guid.prerequisites = {{"nope"}};
    EXPECT_EQ(insert(bad_guid).error().code, Errc::invalid_argument);
}

TEST_F(RevisionRepoTest, BatchIsAllOrNothing) {
    std::vector<NewRevision> batch{make(1, 1), make(2, 1), make(3, 1)};
    batch[2].update_id = "broken";
    auto r = store().with_writer([&](Connection& c) { return RevisionRepo(c).insert_batch(batch, at_ms(1)); });
    ASSERT_FALSE(r);
    EXPECT_EQ(*read([](RevisionRepo repo) { return repo.count(); }), 0);

    batch.pop_back();
    auto ok = store().with_writer([&](Connection& c) { return RevisionRepo(c).insert_batch(batch, at_ms(1)); });
    ASSERT_OK(ok);
    ASSERT_EQ(ok->size(), 2u);
    EXPECT_TRUE((*ok)[1].created);
    EXPECT_EQ(*read([](RevisionRepo repo) { return repo.count(); }), 2);
}

TEST_F(RevisionRepoTest, DeclineAndExpire) {
    ASSERT_OK(insert(make(1, 1)));
    ASSERT_OK(insert(make(1, 2)));
    auto unknown = store().with_writer([](Connection& c) { return RevisionRepo(c).set_declined(guid(9), true); });
    EXPECT_EQ(unknown.error().code, Errc::not_found);

    ASSERT_OK(store().with_writer([](Connection& c) { return RevisionRepo(c).set_expired(guid(1), true); }));
    auto history = read([](RevisionRepo repo) { return repo.history(guid(1)); });
    ASSERT_OK(history);
    EXPECT_TRUE((*history)[0].expired);
    EXPECT_TRUE((*history)[1].expired);
    const auto seq = (*history)[1].change_seq;
    EXPECT_EQ(seq, 3);  // two inserts, one expire

    // Setting the same flag again changes nothing, so the sequence stays.
    ASSERT_OK(store().with_writer([](Connection& c) { return RevisionRepo(c).set_expired(guid(1), true); }));
    EXPECT_EQ(read([](RevisionRepo repo) { return repo.latest(guid(1)); })->change_seq, seq);
}

TEST_F(RevisionRepoTest, GetManyKeepsRequestOrder) {
    auto a = insert(make(1, 1));
    auto b = insert(make(2, 1));
    ASSERT_OK(a);
    ASSERT_OK(b);
    const std::vector<RevisionId> ids{b->id, 12345, a->id};
    auto many = read([&](RevisionRepo repo) { return repo.get_many(ids); });
    ASSERT_OK(many);
    ASSERT_EQ(many->size(), 2u);
    EXPECT_EQ((*many)[0].id, b->id);
    EXPECT_EQ((*many)[1].id, a->id);

    const std::vector<std::string> updates{guid(2), guid(77), guid(1)};
    auto latest = read([&](RevisionRepo repo) { return repo.latest_of(updates); });
    ASSERT_OK(latest);
    ASSERT_EQ(latest->size(), 2u);
    EXPECT_EQ((*latest)[0].update_id, guid(2));
    EXPECT_EQ(read([](RevisionRepo repo) { return repo.get(999); }).error().code, Errc::not_found);
}

TEST_F(RevisionRepoTest, LargeBatchImport) {
    constexpr int kCount = 5000;
    std::vector<NewRevision> batch;
    batch.reserve(kCount);
    for (int i = 0; i < kCount; ++i) {
        NewRevision r = make(i, 1, {i % 2 ? kProductA : kProductB});
        r.classification_id = kSecurity;
        r.files = {{std::string(32, 'f') +
                        [&] {
                            char hex[9];
                            std::snprintf(hex, sizeof hex, "%08x", i);
                            return std::string(hex);
                        }(),
                    std::nullopt, i, "f" + std::to_string(i) + ".cab", "", ""}};
        batch.push_back(std::move(r));
    }
    const auto start = std::chrono::steady_clock::now();
    auto r = store().with_writer([&](Connection& c) { return RevisionRepo(c).insert_batch(batch, at_ms(1)); });
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_OK(r);
    std::printf("[ info     ] %d revisions imported in %lld ms\n", kCount,
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
    EXPECT_EQ(*read([](RevisionRepo repo) { return repo.count(); }), kCount);
    const std::vector<std::string> product_a{kProductA};
    auto half = read([&](RevisionRepo repo) { return repo.changed_in_categories(product_a, 0, kCount); });
    ASSERT_OK(half);
    EXPECT_EQ(half->size(), static_cast<std::size_t>(kCount / 2));
    EXPECT_TRUE(std::is_sorted(half->begin(), half->end(),
                               [](const Revision& x, const Revision& y) { return x.change_seq < y.change_seq; }));
}

}  // namespace
}  // namespace wsusd::store
