using static TorchSharp.torch;

namespace Cltool.Trainer.Native;

/// <summary>
/// NOTE: a dispose scope keeps every tensor created in it alive until it ends. Around a whole forward pass without
/// gradients that is every activation of every block at once: evaluation at batch 256 held 1.8 GB of activations that
/// PyTorch would have freed one by one (heaptrack: peak heap 1.9 GB, all of it c10::alloc_cpu). Each sub-layer therefore
/// runs in a scope of its own and only its result outlives it; with gradients, autograd keeps what backward needs
/// natively, so nothing changes but when the managed handles are released.
/// </summary>
public static class DisposeScopes
{
    /// <summary>Runs <paramref name="compute"/> in a scope of its own and frees every tensor it made except the result, which joins the caller's scope.</summary>
    public static Tensor Keeping(Func<Tensor> compute)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(compute());
    }
}
