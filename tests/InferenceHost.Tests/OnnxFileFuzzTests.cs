using Cltool.Core;
using Cltool.Core.Errors;
using Cltool.InferenceHost.Serving;
using CsCheck;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// Damaged ONNX files handed to the host (seeded, bounded): the session opens and answers, or opening fails with the one
/// exception `cltool serve` prints as one line (exit 1) before the server starts.
/// </summary>
public sealed class OnnxFileFuzzTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Damaged_models_open_and_run_or_fail_with_one_clear_line()
    {
        byte[] valid = File.ReadAllBytes(TinyOnnxModel.Write(_temporary.File("model.onnx")));
        string path = _temporary.File("damaged.onnx");

        ByteMutations.Damaged(valid, focus: 4096).Sample(bytes =>
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                using ModelSession session = ModelSession.Open(path, DeviceKind.Cpu, threads: 1, log: _ => { });
                session.Run(new float[session.ImageElements], 1);
            }
            catch (CltoolException error) { Assert.DoesNotContain('\n', error.Message); }
        }, iter: 100, seed: "0N0XIzNsQ0O2", threads: 1, print: bytes => $"{bytes.Length} bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))}");
    }
}
