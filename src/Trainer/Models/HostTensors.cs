using Cltool.Core.Weights;
using static TorchSharp.torch;

namespace Cltool.Trainer.Models;

/// <summary>Copies between libtorch tensors and host float arrays (the form Core writes to safetensors).</summary>
public static class HostTensors
{
    public static HostTensor From(Tensor value)
    {
        // detach() always makes a new handle and cpu()/contiguous() may: the scope frees every one of them, never value.
        using var scope = NewDisposeScope();
        Tensor host = value.detach().cpu().contiguous();
        // TorchSharp's data accessor throws on an empty tensor (an SD-LoRA-KD module absorbed to rank 0).
        return new HostTensor(host.numel() == 0 ? [] : host.data<float>().ToArray(), host.shape);
    }

    /// <summary>A host tensor as a float64 CPU tensor (statistics are computed wide; the caller's dispose scope owns it).</summary>
    public static Tensor Wide(HostTensor host) => tensor(host.Data, host.Shape).to(float64);
}
