using Cltool.Core.Data;
using static TorchSharp.torch;

namespace Cltool.Trainer.Models;

/// <summary>A loader's batch as the model's input.</summary>
public static class BatchTensors
{
    /// <summary>The batch's preprocessed RGB images as [count, 3, size, size] on <paramref name="device"/> (owned by the caller's dispose scope).</summary>
    public static Tensor Pixels(this Batch batch, long imageSize, Device device) =>
        tensor(batch.Images, [batch.Count, 3, imageSize, imageSize]).to(device);
}
