// Backward closures for the NN ops; each saves what its backward kernel needs.
#include "frontend/autograd/nn_functions.h"
#include "frontend/autograd/record.h"

#include <utility>

#include "kernels/ops.h"

namespace nimbus::autograd {

using detail::record;

Variable softmax(const Variable& x, int64_t dim) {
  Tensor out = nimbus::softmax(x.data(), dim);
  return record("softmax", out, {x}, [out, dim] {
    SavedTensor so(out);
    return [so, dim](const Tensor& g) { return std::vector<Tensor>{softmax_backward(g, so.get("softmax"), dim)}; };
  });
}

Variable log_softmax(const Variable& x, int64_t dim) {
  Tensor out = nimbus::log_softmax(x.data(), dim);
  return record("log_softmax", out, {x}, [out, dim] {
    SavedTensor so(out);
    return [so, dim](const Tensor& g) {
      return std::vector<Tensor>{log_softmax_backward(g, so.get("log_softmax"), dim)};
    };
  });
}

Variable fused_attention(const Variable& q, const Variable& k, const Variable& v, bool causal) {
  AttentionResult r = nimbus::scaled_dot_product_attention(q.data(), k.data(), v.data(), causal);
  return record("scaled_dot_product_attention", r.output, {q, k, v}, [&] {
    SavedTensor sq(q.data()), sk(k.data()), sv(v.data()), sp(r.probs);
    return [=](const Tensor& g) {
      const char* what = "scaled_dot_product_attention";
      AttentionGrads grads =
          scaled_dot_product_attention_backward(g, sq.get(what), sk.get(what), sv.get(what), sp.get(what), causal);
      return std::vector<Tensor>{grads.grad_q, grads.grad_k, grads.grad_v};
    };
  });
}

Variable layer_norm(const Variable& x, const Shape& normalized_shape, const Variable& weight, const Variable& bias,
                    double eps) {
  const Tensor w = weight.defined() ? weight.data() : Tensor(), b = bias.defined() ? bias.data() : Tensor();
  LayerNormResult r = nimbus::layer_norm(x.data(), normalized_shape, w, b, eps);
  return record("layer_norm", r.output, {x, weight, bias}, [&] {
    SavedTensor sx(x.data()), sw(w), mean(r.mean), rstd(r.rstd);
    const bool has_weight = w.defined(), has_bias = b.defined();
    return [=](const Tensor& g) {
      LayerNormGrads grads = layer_norm_backward(g, sx.get("layer_norm"), normalized_shape, mean.get("layer_norm"),
                                                 rstd.get("layer_norm"), has_weight ? sw.get("layer_norm") : Tensor(),
                                                 has_bias);
      return std::vector<Tensor>{grads.grad_input, grads.grad_weight, grads.grad_bias};
    };
  });
}

BatchNormOutput batch_norm(const Variable& x, const Variable& weight, const Variable& bias, const Tensor& running_mean,
                           const Tensor& running_var, bool training, double eps) {
  BatchNormResult r =
      nimbus::batch_norm(x.data(), weight.data(), bias.data(), running_mean, running_var, training, eps);
  Variable out = record("batch_norm", r.output, {x, weight, bias}, [&] {
    SavedTensor sx(x.data()), sw(weight.data()), mean(r.mean), rstd(r.rstd);
    return [=](const Tensor& g) {
      const char* what = "batch_norm";
      BatchNormGrads grads = batch_norm_backward(g, sx.get(what), mean.get(what), rstd.get(what), sw.get(what),
                                                 training, eps);
      return std::vector<Tensor>{grads.grad_input, grads.grad_weight, grads.grad_bias};
    };
  });
  return {std::move(out), r.mean, r.var};
}

Variable cross_entropy(const Variable& logits, const Tensor& target, Reduction reduction, int64_t ignore_index,
                       double label_smoothing) {
  return record("cross_entropy", nimbus::cross_entropy(logits.data(), target, reduction, ignore_index, label_smoothing),
                {logits}, [&] {
                  SavedTensor sl(logits.data()), st(target);
                  return [=](const Tensor& g) {
                    return std::vector<Tensor>{cross_entropy_backward(g, sl.get("cross_entropy"),
                                                                      st.get("cross_entropy"), reduction, ignore_index,
                                                                      label_smoothing)};
                  };
                });
}

Variable mse_loss(const Variable& a, const Variable& b, Reduction reduction) {
  return record("mse_loss", nimbus::mse_loss(a.data(), b.data(), reduction), {a, b}, [&] {
    SavedTensor sa(a.data()), sb(b.data());
    return [=](const Tensor& g) {
      LossGrads grads = mse_loss_backward(g, sa.get("mse_loss"), sb.get("mse_loss"), reduction);
      return std::vector<Tensor>{grads.grad_a, grads.grad_b};
    };
  });
}

Variable binary_cross_entropy_with_logits(const Variable& x, const Tensor& y, Reduction reduction) {
  return record("binary_cross_entropy_with_logits", nimbus::binary_cross_entropy_with_logits(x.data(), y, reduction),
                {x}, [&] {
                  SavedTensor sx(x.data()), sy(y);
                  return [=](const Tensor& g) {
                    return std::vector<Tensor>{binary_cross_entropy_with_logits_backward(
                        g, sx.get("binary_cross_entropy_with_logits"), sy.get("binary_cross_entropy_with_logits"),
                        reduction)};
                  };
                });
}

Variable embedding(const Variable& weight, const Tensor& indices, int64_t padding_idx) {
  NIMBUS_CHECK_T(ShapeError, weight.dim() == 2, "embedding: weight must be [num_embeddings, dim], got ",
                 shape_str(weight.shape()));
  const Tensor flat = indices.reshape({-1});
  Shape out_shape = indices.shape();
  out_shape.push_back(weight.size(1));
  Tensor rows = index_select(weight.data(), 0, flat).view(out_shape);
  return record("embedding", rows, {weight}, [&] {
    SavedTensor si(flat);
    const int64_t num = weight.size(0), dim = weight.size(1);
    return [=](const Tensor& g) {
      return std::vector<Tensor>{embedding_backward(g.reshape({-1, dim}), si.get("embedding"), num, padding_idx)};
    };
  });
}

Variable dropout(const Variable& x, double p, Generator& gen, bool train) {
  if (!train || p == 0) return x;
  DropoutResult r = nimbus::dropout(x.data(), p, gen, true);
  return record("dropout", r.output, {x}, [&] {
    SavedTensor mask(r.mask);
    return [=](const Tensor& g) { return std::vector<Tensor>{dropout_backward(g, mask.get("dropout"), p)}; };
  });
}

}  // namespace nimbus::autograd
