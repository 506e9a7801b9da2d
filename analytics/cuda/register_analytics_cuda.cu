// The CUDA entries of the analytics device table (Note [Device operators] in
// analytics/ops/device_ops.h). Registration only fills a table: no CUDA call.
#include "analytics/cuda/analytics_cuda.h"
#include "analytics/cuda/register_analytics_cuda.h"

namespace nimbus::cuda {

void register_analytics_ops() {
  analytics::AnalyticsDeviceOps ops;
  ops.take = analytics::cuda::take_rows;
  ops.selected_rows = analytics::cuda::selected_rows;
  ops.sort_rows = analytics::cuda::sort_rows;
  ops.group_rows = analytics::cuda::group_rows;
  ops.aggregate = analytics::cuda::aggregate;
  ops.join_rows = analytics::cuda::join_rows;
  analytics::register_analytics_device_ops(DeviceType::cuda, ops);
  analytics::mapreduce::register_mars_cuda();  // the map/reduce jobs' Mars strategy
}

}  // namespace nimbus::cuda
