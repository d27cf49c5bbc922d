"""BiDNN topology: tied central weights, gradients from both directions, init, dropout, size."""

import pytest
import torch
import torch.nn.functional as F

from hyperlink.errors import InputError
from hyperlink.models.bidnn import BiDNN, BiDNNConfig, bidnn_loss


def _net(**kw):
    torch.manual_seed(0)
    return BiDNN(5, 7, 8, 6, **kw)


def test_central_weights_are_one_parameter_each_shared_by_transposition():
    net = _net()
    w2_a, w3_a, w2_b, w3_b = net.central_weights()
    assert w2_b.data_ptr() == w3_a.data_ptr() and torch.equal(w2_b, w3_a.t())
    assert w3_b.data_ptr() == w2_a.data_ptr() and torch.equal(w3_b, w2_a.t())
    names = [n for n, p in net.named_parameters() if p.dim() == 2]
    assert sorted(names) == ["layer1_a.weight", "layer1_b.weight", "layer4_a.weight", "layer4_b.weight", "w2_a", "w3_a"]
    untied = _net(tied=False)
    assert len([p for p in untied.parameters() if p.dim() == 2]) == 8


@pytest.mark.parametrize("direction", [0, 1])
def test_each_direction_alone_sends_gradient_to_both_central_matrices(direction):
    net = _net(dropout=0.0)
    x_a, x_b = torch.randn(4, 5), torch.randn(4, 7)
    net(x_a, x_b)[direction].sum().backward()
    assert net.w2_a.grad.abs().sum() > 0 and net.w3_a.grad.abs().sum() > 0
    # the other direction's own first and last layers get nothing
    other = (net.layer1_b, net.layer4_b) if direction == 0 else (net.layer1_a, net.layer4_a)
    assert all(layer.weight.grad is None for layer in other)


def test_tied_gradient_is_the_sum_of_both_directions():
    x_a, x_b = torch.randn(4, 5), torch.randn(4, 7)
    grads = []
    for which in (0, 1, None):
        net = _net(dropout=0.0)
        out = net(x_a, x_b)
        (out[0].sum() + out[1].sum() if which is None else out[which].sum()).backward()
        grads.append(net.w2_a.grad.clone())
    torch.testing.assert_close(grads[0] + grads[1], grads[2])


def test_parameter_count_of_the_readme_configuration():
    with torch.device("meta"):
        net = BiDNN(100, 4096, 2048, 2048)
    assert sum(p.numel() for p in net.parameters()) == 21_395_556


def test_glorot_uniform_weights_and_zero_biases():
    net = BiDNN(100, 300, 200, 100)
    for name, p in net.named_parameters():
        if p.dim() == 1:
            assert torch.count_nonzero(p) == 0, name
        else:
            bound = (6 / (p.shape[0] + p.shape[1])) ** 0.5
            assert p.abs().max() <= bound and p.abs().max() > 0.9 * bound, name


def test_embedding_is_read_before_dropout_and_outputs_use_dropout_only_in_training():
    net = _net(dropout=0.5)
    net.train()
    x_a, x_b = torch.randn(16, 5), torch.randn(16, 7)
    torch.testing.assert_close(net.central_a(x_a), net.central_a(x_a))  # no dropout on the embedding
    assert not torch.equal(net(x_a, x_b)[0], net(x_a, x_b)[0])  # dropout after the central layer
    net.eval()
    torch.testing.assert_close(net(x_a, x_b)[0], net(x_a, x_b)[0])


def test_loss_is_one_mse_over_the_concatenated_outputs():
    net = _net(dropout=0.0)
    x_a, x_b = torch.rand(3, 5), torch.rand(3, 7)
    x_b_hat, x_a_hat = net(x_a, x_b)
    by_hand = ((x_b_hat - x_b).pow(2).sum() + (x_a_hat - x_a).pow(2).sum()) / (3 * (5 + 7))
    torch.testing.assert_close(bidnn_loss(net, x_a, x_b), by_hand)
    balanced = 0.5 * (F.mse_loss(x_b_hat, x_b) + F.mse_loss(x_a_hat, x_a))
    torch.testing.assert_close(bidnn_loss(net, x_a, x_b, balanced=True), balanced)


def test_odd_representation_size_is_refused():
    with pytest.raises(InputError, match="rep must be even"):
        BiDNNConfig(rep=5)
