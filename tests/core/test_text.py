from digitaldesk.core.text import collation_key, fold, name_sort_key


def test_vietnamese_alphabet_order_is_not_byte_order():
    words = [
        "Đức",
        "Dũng",
        "Ân",
        "Anh",
        "Ăn",
        "An",
        "Bình",
        "Ý",
        "Yến",
        "Ư",
        "Uyên",
        "Ơn",
        "Ôn",
        "On",
    ]
    assert sorted(words, key=collation_key) == [
        "An",
        "Anh",
        "Ăn",
        "Ân",
        "Bình",
        "Dũng",
        "Đức",
        "On",
        "Ôn",
        "Ơn",
        "Uyên",
        "Ư",
        "Ý",
        "Yến",
    ]
    assert sorted(words) != sorted(words, key=collation_key)  # byte order would be wrong


def test_tones_only_break_ties():
    assert sorted(["mạ", "má", "mã", "mả", "mà", "ma"], key=collation_key) == [
        "ma",
        "mà",
        "mả",
        "mã",
        "má",
        "mạ",
    ]
    # letters first: "mạnh" follows "mai" although its tone is heavier
    assert sorted(["mạnh", "mai"], key=collation_key) == ["mai", "mạnh"]


def test_names_sort_by_given_name_then_family_name():
    people = [
        ("Trần", "Văn", "An"),
        ("Nguyễn", "Thị", "Bình"),
        ("Ân", "Văn", "An"),
        ("Lê", "Thị", "Ánh"),
    ]
    ordered = sorted(people, key=lambda p: name_sort_key(*p))
    assert ordered == [
        ("Ân", "Văn", "An"),
        ("Trần", "Văn", "An"),
        ("Lê", "Thị", "Ánh"),
        ("Nguyễn", "Thị", "Bình"),
    ]


def test_fold_strips_diacritics_and_d_stroke():
    assert fold("Quyết định ĐÌNH CHỈ") == "quyet dinh dinh chi"
    assert fold("Nguyễn Thị Hương") == "nguyen thi huong"
