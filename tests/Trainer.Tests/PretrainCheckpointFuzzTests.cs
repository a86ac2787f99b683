using Cltool.Core;
using Cltool.Trainer.Pretraining;

namespace Cltool.Trainer.Tests;

/// <summary>
/// Damaged pretraining checkpoints handed to `pretrain --resume` (seeded, bounded): the run resumes, or fails with the
/// one exception the command line prints as one line, and then writes no model.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class PretrainCheckpointFuzzTests : IDisposable
{
    const int Iterations = 40;
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static readonly PretrainRecipe Tiny = new()
    {
        Data = "glyphs:digits?train=2&test=1&size=16",
        Model = "vit-test-16",
        Epochs = 1,
        BatchSize = 10,
        WarmupEpochs = 0,
        Seed = 3,
    };

    [Fact]
    public void Damaged_pretraining_checkpoints_resume_or_fail_with_one_clear_line_and_write_no_model()
    {
        string original = _temporary.File("original"), run = _temporary.File("run");
        new Pretrainer(Tiny, original, new Recorder()).Run(resume: false, DeviceKind.Cpu);
        byte[] valid = File.ReadAllBytes(Path.Combine(original, "checkpoint.safetensors"));
        Directory.CreateDirectory(run);
        string model = Path.Combine(run, "model.safetensors");

        FuzzCases.Files(ByteMutations.Damaged(valid, ByteMutations.SafeTensorsHeader(valid)), Iterations, Path.Combine(run, "checkpoint.safetensors"), _ =>
        {
            try
            {
                new Pretrainer(Tiny, run, new Recorder()).Run(resume: true, DeviceKind.Cpu);
                File.Delete(model);
            }
            catch (Core.Errors.CltoolException)
            {
                Assert.False(File.Exists(model));
                throw;
            }
        });
    }
}
