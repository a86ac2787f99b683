using Cltool.Core;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// Damaged ONNX files handed to the host (seeded, bounded): the session opens and answers, or opening fails with the one
/// exception `cltool serve` prints as one line (exit 1) before the server starts.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class OnnxFileFuzzTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Damaged_models_open_and_run_or_fail_with_one_clear_line()
    {
        byte[] valid = File.ReadAllBytes(TinyOnnxModel.Write(_temporary.File("model.onnx")));

        FuzzCases.Files(ByteMutations.Damaged(valid, focus: 4096), 100, _temporary.File("damaged.onnx"), damaged =>
        {
            using ModelSession session = ModelSession.Open(damaged, DeviceKind.Cpu, threads: 1, log: _ => { });
            session.Run(new float[session.ImageElements], 1);
        });
    }
}
