import codegrant_kit.client as client


def test_all_is_sorted_and_complete():
    assert client.__all__ == sorted(client.__all__)
    assert len(set(client.__all__)) == len(client.__all__)
    for name in client.__all__:
        assert hasattr(client, name), name
