#include "frontend/nn/module.h"

#include <set>
#include <sstream>

namespace nimbus::nn {

namespace {
std::string join(const std::string& prefix, const std::string& name) { return prefix.empty() ? name : prefix + "." + name; }
}  // namespace

Variable& Module::register_parameter(std::string name, Tensor value) {
  NIMBUS_CHECK(name.find('.') == std::string::npos && !name.empty(), "register_parameter: invalid name '", name, "'");
  parameters_.emplace_back(std::move(name), Variable(std::move(value), /*requires_grad=*/true));
  return parameters_.back().second;
}

Tensor& Module::register_buffer(std::string name, Tensor value) {
  NIMBUS_CHECK(name.find('.') == std::string::npos && !name.empty(), "register_buffer: invalid name '", name, "'");
  buffers_.emplace_back(std::move(name), std::move(value));
  return buffers_.back().second;
}

void Module::collect_parameters(const std::string& prefix, std::vector<std::pair<std::string, Variable>>& out) const {
  for (const auto& [name, p] : parameters_) out.emplace_back(join(prefix, name), p);
  for (const auto& [name, m] : submodules_) m->collect_parameters(join(prefix, name), out);
}

void Module::collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor*>>& out) {
  for (auto& [name, b] : buffers_) out.emplace_back(join(prefix, name), &b);
  for (auto& [name, m] : submodules_) m->collect_buffers(join(prefix, name), out);
}

void Module::collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, b] : buffers_) out.emplace_back(join(prefix, name), b);
  for (const auto& [name, m] : submodules_) static_cast<const Module&>(*m).collect_buffers(join(prefix, name), out);
}

std::vector<std::pair<std::string, Variable>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Variable>> out;
  collect_parameters("", out);
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

void Module::assign_parameters(const std::vector<Variable>& values, size_t& next) {
  for (auto& [name, p] : parameters_) p = values[next++];
  for (auto& [name, m] : submodules_) m->assign_parameters(values, next);
}

void Module::collect_f32_flags(std::vector<bool>& out) const {
  out.insert(out.end(), parameters_.size(), computes_in_f32());
  for (const auto& [name, m] : submodules_) m->collect_f32_flags(out);
}

std::vector<bool> Module::f32_parameters() const {
  std::vector<bool> out;
  collect_f32_flags(out);
  return out;
}

void Module::set_parameters(const std::vector<Variable>& values) {
  const size_t count = named_parameters().size();
  NIMBUS_CHECK(values.size() == count, "set_parameters: the module has ", count, " parameters, got ", values.size(),
               " values");
  size_t next = 0;
  assign_parameters(values, next);
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect_buffers("", out);
  return out;
}

StateDict Module::state_dict() const {
  StateDict out;
  for (const auto& [name, p] : named_parameters()) out.emplace_back(name, p.data());
  for (const auto& [name, b] : named_buffers()) out.emplace_back(name, b);
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  // Destinations: parameter data and buffers, by dotted name.
  std::vector<std::pair<std::string, Tensor>> targets;
  for (const auto& [name, p] : named_parameters()) targets.emplace_back(name, p.data());
  std::vector<std::pair<std::string, Tensor*>> buffers;
  collect_buffers("", buffers);
  for (const auto& [name, b] : buffers) targets.emplace_back(name, *b);

  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const auto& [name, value] : state) {
    if (!seen.insert(name).second) {
      problems.push_back("duplicate key '" + name + "'");
      continue;
    }
    const auto it = std::find_if(targets.begin(), targets.end(), [&](const auto& t) { return t.first == name; });
    if (it == targets.end()) {
      if (strict) problems.push_back("unexpected key '" + name + "'");
      continue;
    }
    if (value.shape() != it->second.shape())
      problems.push_back("'" + name + "' has shape " + shape_str(value.shape()) + " in the state dict, " +
                         shape_str(it->second.shape()) + " in the module");
  }
  if (strict)
    for (const auto& [name, t] : targets)
      if (!seen.count(name)) problems.push_back("missing key '" + name + "'");
  if (!problems.empty()) {
    std::ostringstream message;
    message << "load_state_dict: " << problems.size() << " problem(s): ";
    for (size_t i = 0; i < problems.size(); ++i) message << (i ? "; " : "") << problems[i];
    NIMBUS_THROW(ShapeError, message.str());
  }
  autograd::NoGradGuard no_grad;
  for (const auto& [name, value] : state) {
    const auto it = std::find_if(targets.begin(), targets.end(), [&](const auto& t) { return t.first == name; });
    if (it != targets.end()) it->second.copy_(value.to(it->second.device()));
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, m] : submodules_) m->train(on);
}

void Module::to(Device device) {
  for (auto& [name, p] : parameters_) p = Variable(p.data().to(device), p.requires_grad());
  for (auto& [name, b] : buffers_) b = b.to(device);
  for (auto& [name, m] : submodules_) m->to(device);
}

void Module::zero_grad() {
  for (auto& [name, p] : named_parameters()) p.zero_grad();
}

}  // namespace nimbus::nn
