using Cltool.Core.Data;
using static TorchSharp.torch;

namespace Cltool.Trainer.Models;

public static class Evaluation
{
    /// <summary>Top-1 accuracy of the model's logits over every sample the loader yields, in eval mode, without gradients.</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, BatchLoader loader, Device device)
    {
        model.eval();
        long correct = 0, total = 0;
        using var _ = no_grad();
        foreach (Batch batch in loader.Epoch(seed: 0, epoch: 0, shuffle: false, dropLast: false))
        {
            using var scope = NewDisposeScope();
            long size = (long)Math.Sqrt(batch.Images.Length / (3 * batch.Count));
            Tensor images = batch.Pixels(size, device);
            Tensor predicted = model.forward(images).argmax(1).cpu();
            correct += predicted.eq(tensor(batch.Labels)).sum().item<long>();
            total += batch.Count;
        }
        return total == 0 ? 0 : (double)correct / total;
    }
}
