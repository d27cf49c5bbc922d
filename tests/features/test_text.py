import numpy as np
import pytest

from hyperlink.errors import InputError
from hyperlink.features import make_text_encoder


def test_tfidf_svd_is_deterministic_normalised_and_topical():
    texts = ["whale ocean swim deep", "ocean whale dive", "election vote parliament", "vote minister parliament"] * 5
    a = make_text_encoder("tfidf-svd", dim=4, seed=1).fit_transform(texts)
    b = make_text_encoder("tfidf-svd", dim=4, seed=1).fit_transform(texts)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (20, 4) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert a[0] @ a[1] > a[0] @ a[2]  # same topic closer than other topic


def test_unknown_encoder_lists_the_registry():
    with pytest.raises(InputError, match="unknown text encoder .bert.; choose one of .*tfidf-svd"):
        make_text_encoder("bert")


def test_no_text_is_a_clear_error():
    with pytest.raises(ValueError, match="no transcript text"):
        make_text_encoder("tfidf-svd").fit_transform([])
