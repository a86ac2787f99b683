using System.Text.Json;
using Cltool.Core.Adapters;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>
/// The checkpoint contract (docs/continual-training.md, "Checkpoints"): one safetensors file per stage with the backbone in timm names, the grown head,
/// the method family's adapter state (<see cref="IAdapterState"/>, written and read by the family's codec), and in the header the recipe, config, preprocessing,
/// class names, class order, tasks and metrics. Python reads it with safetensors; the exporter reads it without libtorch.
/// A resume checkpoint is the same file plus the optimizer state of an unfinished task.
/// </summary>
public sealed record ContinualCheckpoint
{
    public const string Format = "cltool.checkpoint";
    /// <summary>
    /// 2: SD-LoRA-KD's per-module magnitude offsets (<c>lora.i.offsets</c>) and absorbed modules (rank-0 factors).
    /// 3: C-LoRA's routed adapter (<c>clora.blocks.b.attn.t.{lora_A, lora_B, routing_old, routing_delta}</c>).
    /// </summary>
    public const int Version = 3;
    public static readonly FileFormat Header = new(Format, Version, "cltool checkpoint", OldestReadable: 1);

    public required TrainRecipe Recipe { get; init; }
    /// <summary>The backbone's architecture (no head: <see cref="ViTConfig.Classes"/> is 0).</summary>
    public required ViTConfig Config { get; init; }
    public required Preprocessing Preprocessing { get; init; }
    /// <summary>The dataset's class names by dataset label.</summary>
    public required string[] ClassNames { get; init; }
    public required Scenario Scenario { get; init; }
    /// <summary>The task (0-indexed) this stage trained last.</summary>
    public required int Task { get; init; }
    /// <summary>Epochs of <see cref="Task"/> done; equal to its epoch count once the task is complete.</summary>
    public required int CompletedEpochs { get; init; }
    public required Dictionary<string, HostTensor> Backbone { get; init; }
    /// <summary>Head over the classes seen so far, rows in class-order position: [seen, dim] and [seen].</summary>
    public required HostTensor HeadWeight { get; init; }
    public required HostTensor HeadBias { get; init; }
    /// <summary>
    /// The head of every alignment option the run tracks, after the last finished task (<see cref="HeadAlignments"/>); the
    /// recipe's own option is also <see cref="HeadWeight"/>. Empty in checkpoints written before alignment existed.
    /// </summary>
    public IReadOnlyDictionary<string, LinearHead> Heads { get; init; } = new Dictionary<string, LinearHead>();
    /// <summary>The method family's adapter as the model uses it at this stage; null for a method without one.</summary>
    public IAdapterState? Adapter { get; init; }
    public string BaseSha256 { get; init; } = "";
    /// <summary>The run's manifest (recipe, data, base model, environment); null in checkpoints written before it existed.</summary>
    public RunManifest? Run { get; init; }
    public MetricsReport? Metrics { get; init; }
    public IReadOnlyDictionary<string, HostTensor> OptimizerState { get; init; } = new Dictionary<string, HostTensor>();
    public long OptimizerSteps { get; init; }
    /// <summary>Test images and this stage's logits for them; null in checkpoints written before it existed.</summary>
    public GoldenBatch? Golden { get; init; }
    const string GoldenPrefix = "golden.", HeadsPrefix = "heads.";

    public string Method => Recipe.Method;
    public int SeenClasses => (int)HeadWeight.Shape[0];
    public bool TaskComplete => CompletedEpochs >= Recipe.EpochsOf(Task);

    /// <summary>The adapter as its family's state type; a checkpoint of another family is a programming error.</summary>
    public T AdapterAs<T>() where T : IAdapterState =>
        Adapter is T state ? state : throw new InvalidOperationException($"A {Method} checkpoint holds no {typeof(T).Name}.");

    /// <summary>The label of each logit: the dataset class name at each class-order position seen so far.</summary>
    public string[] Labels => Scenario.Order.Take(SeenClasses).Select(label => ClassNames[label]).ToArray();

    public void Save(string path)
    {
        var writer = new SafeTensorsWriter();
        void Metadata(string key, object value) => writer.Metadata[key] = JsonSerializer.Serialize(value, CltoolJson.Compact);
        Header.WriteTo(writer);
        writer.Metadata["method"] = Method;
        writer.Metadata["task"] = Task.ToString();
        writer.Metadata["completed_epochs"] = CompletedEpochs.ToString();
        writer.Metadata["base_sha256"] = BaseSha256;
        writer.Metadata["optimizer_steps"] = OptimizerSteps.ToString();
        Metadata("recipe", Recipe);
        Metadata("config", Config);
        Metadata("preprocessing", Preprocessing);
        Metadata("classes", ClassNames);
        Metadata("class_order", Scenario.Order);
        Metadata("task_sizes", Scenario.TaskSizes);
        Metadata("labels", Labels);
        if (Metrics is not null) Metadata("metrics", Metrics);
        if (Run is not null) Metadata("run", Run);

        foreach ((string name, long[] _) in Config.ExpectedTensors()) Add(writer, "backbone." + name, Backbone[name]);
        Add(writer, "head.weight", HeadWeight);
        Add(writer, "head.bias", HeadBias);
        foreach ((string option, LinearHead head) in Heads)
        {
            Add(writer, $"{HeadsPrefix}{option}.weight", head.Weight);
            Add(writer, $"{HeadsPrefix}{option}.bias", head.Bias);
        }
        Adapter?.WriteTo(writer);
        foreach ((string name, HostTensor value) in OptimizerState) Add(writer, "optimizer." + name, value);
        Golden?.AddTo(writer, GoldenPrefix);
        writer.Save(path);
    }

    public static ContinualCheckpoint Load(string path)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        IReadOnlyDictionary<string, string> metadata = file.Metadata;
        Header.Check(file);
        T Read<T>(string key) => Header.Read<T>(file, key);

        var config = Read<ViTConfig>("config").Validate();
        var recipe = Read<TrainRecipe>("recipe");
        MethodEntry method = MethodCatalog.Find(recipe.Method)
            ?? throw new CltoolException($"'{path}' holds method '{recipe.Method}', which this cltool does not know (it knows {string.Join(", ", MethodCatalog.Names)}).");
        const string optimizerPrefix = "optimizer.";
        return new ContinualCheckpoint
        {
            Recipe = recipe,
            Config = config,
            Preprocessing = Read<Preprocessing>("preprocessing"),
            ClassNames = Read<string[]>("classes"),
            Scenario = new Scenario(Read<int[]>("class_order"), Read<int[]>("task_sizes")),
            Task = Read<int>("task"),
            CompletedEpochs = Read<int>("completed_epochs"),
            BaseSha256 = metadata.GetValueOrDefault("base_sha256") ?? "",
            Metrics = metadata.ContainsKey("metrics") ? Read<MetricsReport>("metrics") : null,
            Run = metadata.ContainsKey("run") ? Read<RunManifest>("run") : null,
            Backbone = config.ExpectedTensors().ToDictionary(t => t.Name, t => file.ReadRequired("backbone." + t.Name)),
            HeadWeight = file.ReadRequired("head.weight"),
            HeadBias = file.ReadRequired("head.bias"),
            Heads = file.Tensors.Where(t => t.Name.StartsWith(HeadsPrefix, StringComparison.Ordinal) && t.Name.EndsWith(".weight", StringComparison.Ordinal))
                .Select(t => t.Name[HeadsPrefix.Length..^".weight".Length])
                .ToDictionary(option => option, option => new LinearHead(file.ReadRequired($"{HeadsPrefix}{option}.weight"), file.ReadRequired($"{HeadsPrefix}{option}.bias"))),
            Adapter = method.Family.Read(file, recipe, config),
            OptimizerState = file.Tensors.Where(t => t.Name.StartsWith(optimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Name[optimizerPrefix.Length..], t => new HostTensor(file.ReadFloats(t.Name), t.Shape)),
            OptimizerSteps = metadata.ContainsKey("optimizer_steps") ? Read<long>("optimizer_steps") : 0,
            Golden = GoldenBatch.ReadFrom(file, GoldenPrefix),
        };
    }

    static void Add(SafeTensorsWriter writer, string name, HostTensor tensor) => writer.Add(name, tensor.Data, tensor.Shape);
}
