// A tour of the tensor API on real data: load the bundled handwritten digits, build a
// nearest-centroid classifier from one-hot encodings, matmul and reductions, and report its
// accuracy on held-out images. Usage: tensor_tour [digits.csv.gz] [--device auto|cpu|cuda]
#include <zlib.h>

#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "runtime/tensor.h"

using namespace nimbus;

namespace {

// Reads the gzip-compressed CSV: 64 pixel values (0-16) then the label, no header.
void load_digits(const std::string& path, std::vector<float>& pixels, std::vector<int64_t>& labels) {
  gzFile file = gzopen(path.c_str(), "rb");
  NIMBUS_CHECK_T(IOError, file != nullptr, "cannot open ", path);
  std::string text;
  char chunk[1 << 16];
  int got = 0;
  while ((got = gzread(file, chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<size_t>(got));
  gzclose(file);
  NIMBUS_CHECK_T(IOError, got == 0, "cannot read ", path, ": not a gzip file?");
  std::istringstream lines(text);
  std::string line;
  for (int line_no = 1; std::getline(lines, line); ++line_no) {
    if (line.empty()) continue;
    std::vector<float> row;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) row.push_back(std::stof(field));
    NIMBUS_CHECK_T(ParseError, row.size() == 65, path, ":", line_no, ": expected 65 values, got ", row.size());
    pixels.insert(pixels.end(), row.begin(), row.end() - 1);
    labels.push_back(static_cast<int64_t>(row.back()));
  }
}

// Classifies held-out digits on `device`; returns the accuracy.
double classify(const std::vector<float>& pixels, const std::vector<int64_t>& labels, Device device) {
  const int64_t n = static_cast<int64_t>(labels.size());
  const Tensor images = from_vector(pixels, {n, 64}, device) / 16.0;  // scale pixels to [0, 1]
  const Tensor digits = from_vector(labels, {n}, device);
  std::cout << "loaded " << n << " digit images " << shape_str(images.shape()) << " on " << device << "\n";

  // Hold out every fifth image; the rest define the class centroids.
  std::vector<bool> every_fifth(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) every_fifth[i] = i % 5 == 0;
  const Tensor is_test = from_vector(every_fifth, {n}, device);
  const Tensor is_train = logical_not(is_test);
  const Tensor train_x = masked_select(images, is_train.unsqueeze(1)).view({-1, 64});
  const Tensor train_y = masked_select(digits, is_train);
  const Tensor test_x = masked_select(images, is_test.unsqueeze(1)).view({-1, 64});
  const Tensor test_y = masked_select(digits, is_test);

  // Centroid of each class: one_hot(y)^T @ X / count.
  const Tensor onehot = one_hot(train_y, 10).to(DType::f32);                  // [N, 10]
  const Tensor counts = sum(onehot, {0});                                     // [10]
  const Tensor centroids = matmul(onehot.t(), train_x) / counts.unsqueeze(1);  // [10, 64]
  std::cout << "images per class: " << counts.to(DType::i64) << "\n";

  // Squared distance to each centroid: |x|^2 - 2 x.c + |c|^2; the nearest one is the prediction.
  const Tensor distances = sum(test_x * test_x, {1}, true) - matmul(test_x, centroids.t()) * 2.0 +
                           sum(centroids * centroids, {1}).unsqueeze(0);
  const Tensor predicted = argmin(distances, 1);
  std::cout << "first predictions: " << predicted.slice(0, 0, 12) << "\n"
            << "true labels:       " << test_y.slice(0, 0, 12) << "\n";
  return mean(eq(predicted, test_y).to(DType::f32)).item<double>();
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "examples/data/digits.csv.gz", device_name = "auto";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--device" && i + 1 < argc) device_name = argv[++i];
    else path = arg;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    std::vector<float> pixels;
    std::vector<int64_t> labels;
    load_digits(path, pixels, labels);
    const Device device = Device::parse(device_name);
    double accuracy = 0;
    try {
      accuracy = classify(pixels, labels, device);
    } catch (const DeviceError& e) {
      if (device.is_cpu()) throw;
      // Until every op has a CUDA kernel, a GPU run may meet one that has none.
      std::cerr << "tensor_tour: " << e.what() << "; running on the cpu instead\n";
      accuracy = classify(pixels, labels, Device::cpu());
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::cout << "nearest-centroid accuracy on " << labels.size() / 5 + (labels.size() % 5 != 0)
              << " held-out images: " << accuracy * 100 << "% (" << ms << " ms)\n";
    return accuracy > 0.8 ? 0 : 1;
  } catch (const Error& e) {
    std::cerr << "tensor_tour: error: " << e.what() << "\n";
    return 1;
  }
}
