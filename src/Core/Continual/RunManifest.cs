using Cltool.Core.Data;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>
/// Everything that decides a run, written as run.json when it starts and carried in every checkpoint's header: the
/// resolved recipe, its seed and class order, what the dataset is made of, the base model's sha256 and where it came
/// from, and the environment (<see cref="RunEnvironment"/>). `cltool inspect RUN` prints it; eval and export compare it
/// with where they run.
/// </summary>
public sealed record RunManifest(TrainRecipe Recipe, int Seed, int[] ClassOrder, DatasetIdentity Dataset, string BaseModel, string BaseModelSha256,
                                 RunEnvironment Environment, DateTime StartedUtc)
{
    public void Write(RunDirectory run) => AtomicFile.WriteAllText(run.Manifest, CltoolJson.Serialize(this) + "\n");

    /// <summary>The run's manifest; null for runs made before manifests existed.</summary>
    public static RunManifest? Read(RunDirectory run) => File.Exists(run.Manifest) ? CltoolJson.LoadStrict<RunManifest>(run.Manifest, "run manifest") : null;

    /// <summary>The manifest in a checkpoint's header, read without its tensors; null for checkpoints written before manifests existed.</summary>
    public static RunManifest? ReadFromCheckpoint(string path)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        return file.Metadata.TryGetValue("run", out string? json) ? CltoolJson.Deserialize<RunManifest>(json, $"the run manifest in '{path}'") : null;
    }

    /// <summary>Where the environment that made the run differs from this one, one line per fact (commit, native stacks, .NET, CPU).</summary>
    public IReadOnlyList<string> DifferencesFromHere() => Environment.DifferencesFrom(RunEnvironment.Here("cpu", System.Environment.ProcessorCount));
}
