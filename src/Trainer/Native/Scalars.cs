using TorchSharp;

namespace Cltool.Trainer.Native;

/// <summary>
/// NOTE: TorchSharp 0.107 turns numbers into native <see cref="Scalar"/> objects implicitly (also `a + b`, which is
/// `add(b, alpha: 1)`) and frees them in a finalizer. The temporary is unreachable as soon as its handle has been read,
/// so a GC during the native call can delete it while libtorch still reads it: training crashed mid-epoch with
/// "Expected false to be true ... Scalar::toFloat", and <c>square()</c> (which is <c>pow(2)</c>) failed the same way with
/// "INTERNAL ASSERT FAILED at Scalar.h:279" in a test run under memory pressure. cltool therefore never lets TorchSharp create a Scalar implicitly:
/// constants are rooted here for the life of the process, and per-step values are `using` scalars that stay alive
/// until after the call. Tensor temporaries are kept alive the same way by dispose scopes around every step.
/// </summary>
public static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar Half = 0.5.ToScalar();
    /// <summary>For squares: <c>pow(Scalars.Two)</c>, never <c>square()</c>.</summary>
    public static readonly Scalar Two = 2.0.ToScalar();
}
