import pytest


def ids(vocabulary, text):
    return [(text[m.start:m.end], m.term.id) for m in vocabulary.find(text)]


@pytest.mark.parametrize("spelling", ["ECS", "Amazon ECS", "Amazon Elastic Container Service", "ＥＣＳ", "EC2 Container Service"])
def test_every_spelling_of_a_service_is_one_term(vocabulary, spelling):
    assert ids(vocabulary, f"今日は{spelling}の話")[0] == (spelling, "svc:ecs")


def test_old_names_and_abbreviations(vocabulary):
    text = "Elastic Container Services for Kubernetes と CFn と ASG"
    assert [i for _, i in ids(vocabulary, text)] == ["svc:eks", "svc:cloudformation", "svc:autoscaling"]


def test_no_match_inside_a_word(vocabulary):
    assert ids(vocabulary, "ECSTASY と DECS") == []
    assert ids(vocabulary, "プレイヤー") == []


def test_run_together_names_are_split_at_case_steps(vocabulary):
    assert [s for s, _ in ids(vocabulary, "KubernetesAWSの統合")] == ["Kubernetes", "AWS"]


def test_acronyms_match_only_in_capitals(vocabulary):
    assert ids(vocabulary, "sam と ecs") == []


def test_context_label_counts_only_after_its_service(vocabulary):
    assert ids(vocabulary, "ゲームのレイヤーの話") == []
    assert ids(vocabulary, "Lambdaのレイヤーを使う")[-1] == ("レイヤー", "svc:lambda-layers")


def test_dated_events_take_city_and_year(vocabulary):
    found = ids(vocabulary, "AWS Summit2019 と AWS SUMMIT TOKYO 2019 と re:Invent")
    assert [i for _, i in found] == ["evt:aws-summit/tokyo/2019", "evt:aws-summit/tokyo/2019", "evt:reinvent"]
    assert vocabulary.term("evt:aws-summit/tokyo/2019").name == "AWS Summit Tokyo 2019"


def test_catalogue_services_carry_their_boto_client(vocabulary):
    assert vocabulary.terms["svc:appmesh"].boto == "appmesh"
    assert vocabulary.terms["svc:fargate"].boto is None


@pytest.mark.parametrize("typo, term", [("fluetnd", "tech:fluentd"), ("Kuberentes", "tech:kubernetes"),
                                        ("Terrafrom", "tech:terraform"), ("Atrantis", "tech:atlantis")])
def test_long_names_one_edit_off_are_near_misses(vocabulary, typo, term):
    assert [m.term.id for m in vocabulary.find_near_misses(f"ログ転送に{typo}を使う")] == [term]


@pytest.mark.parametrize("text", ["Lambada", "Athena2", "atrantis", "Fluentd", "Kubernetes-ish", "S3 と EC2"])
def test_short_known_or_wrongly_cased_words_are_not_near_misses(vocabulary, text):
    assert vocabulary.find_near_misses(text) == []


def test_a_name_inside_one_camelcase_word_is_no_mention(vocabulary):
    names = {m.term.name for m in vocabulary.find("入門用には DeepLens、設定は GitOps と NodePool で")}
    assert not names & {"Lens", "Git", "Node.js"}
    assert {m.term.name for m in vocabulary.find("KubernetesAWS")} == {"Kubernetes", "Amazon Web Services"}


@pytest.mark.parametrize("generic", ["REST", "JSON", "HTML"])
def test_generic_formats_and_styles_are_no_technologies(vocabulary, generic):
    assert not vocabulary.find(f"{generic} API を返す")


def test_a_bare_service_name_counts_between_japanese_words_only(vocabulary):
    found = {m.term.id for m in vocabulary.find("- Config はルールを入れすぎない\n全体の管理は Organizations、DDoS には Shield（Standard）")}
    assert {"svc:config", "svc:organizations", "svc:shield"} <= found
    assert not vocabulary.find("Edit the config file. The Shield team and Config values")
