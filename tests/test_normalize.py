from graphbuild.nlp.normalize import fold, fold_label, fold_with_offsets, sentence_bounds


def test_fold_merges_width_case_and_separators():
    assert fold("NTT データ") == fold("NTTデータ") == fold("ＮＴＴデータ")
    assert fold("ソニー・ミュージック") == fold("ソニーミュージック")
    assert fold_label("Amazon EKS") == fold_label("EKS") == "eks"


def test_fold_with_offsets_points_back_at_the_original():
    text = "AWS ｻﾏｰ・Lambda"
    folded, origin = fold_with_offsets(text)
    i = folded.index("lambda")
    assert text[origin[i]:origin[i + 5] + 1] == "Lambda"


def test_sentences_are_lines_or_parts_ending_in_kuten():
    text = "一文目。二文目！\n\n  見出し\n最後"
    assert [text[a:b] for a, b in sentence_bounds(text)] == ["一文目。", "二文目！", "見出し", "最後"]
