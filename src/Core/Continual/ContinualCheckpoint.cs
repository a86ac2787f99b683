using System.Text.Json;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>One low-rank factor pair: A [rank, dim] (down-projection) and B [dim, rank] (up-projection), so ΔW = B·A.</summary>
public sealed record LoraFactors(HostTensor A, HostTensor B)
{
    public long Rank => A.Shape[0];

    /// <summary>B·A as a dense row-major [dim, dim] matrix in float64.</summary>
    public double[] Product()
    {
        long dim = A.Shape[1];
        var product = new double[dim * dim];
        AddScaledProduct(product, 1);
        return product;
    }

    /// <summary><paramref name="into"/> += scale · B·A, with <paramref name="into"/> a dense row-major [dim, dim] float64 matrix.</summary>
    public void AddScaledProduct(double[] into, double scale) => LowRankProduct.Add(into, B.Data, A.Data, (int)Rank, scale);
}

/// <summary>
/// One task's direction on every block's q and v rows. In the model it contributes
/// <c>(magnitude + Offsets[block, q|v]) · B·A / Norms[block, q|v]</c>; a norm of 1 means the direction is used unnormalised.
/// Offsets are SD-LoRA-KD's per-module magnitude offsets (null: none); a module whose factors have rank 0 was absorbed
/// into the earlier directions by SD-LoRA-KD and stores nothing.
/// </summary>
public sealed record LoraDirection(LoraFactors[] Query, LoraFactors[] Value, float[,] Norms, float[,]? Offsets = null)
{
    public LoraFactors Factors(int block, int projection) => projection == 0 ? Query[block] : Value[block];

    /// <summary>What multiplies B·A in one module: the effective magnitude over the norm.</summary>
    public double Scale(double magnitude, int block, int projection) =>
        (magnitude + (Offsets?[block, projection] ?? 0)) / Norms[block, projection];

    /// <summary>The stored factor numbers (absorbed modules store none).</summary>
    public long Parameters => Query.Concat(Value).Sum(f => f.A.Data.LongLength + f.B.Data.LongLength);
}

/// <summary>
/// The checkpoint contract (README, "Checkpoints"): one safetensors file per stage with the backbone in timm names, the grown head,
/// every task's LoRA directions and their norms, the magnitudes, and in the header the recipe, config, preprocessing,
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
    public IReadOnlyList<LoraDirection> Directions { get; init; } = [];
    /// <summary>C-LoRA's shared factors and routing (method clora only; it has no directions or magnitudes).</summary>
    public RoutedLora? Routed { get; init; }
    /// <summary>One magnitude per direction, as the model uses them at this stage.</summary>
    public double[] Magnitudes { get; init; } = [];
    public string BaseSha256 { get; init; } = "";
    /// <summary>The run's manifest (recipe, data, base model, environment); null in checkpoints written before it existed.</summary>
    public RunManifest? Run { get; init; }
    public MetricsReport? Metrics { get; init; }
    public IReadOnlyDictionary<string, HostTensor> OptimizerState { get; init; } = new Dictionary<string, HostTensor>();
    public long OptimizerSteps { get; init; }
    /// <summary>Test images and this stage's logits for them; null in checkpoints written before it existed.</summary>
    public GoldenBatch? Golden { get; init; }
    const string GoldenPrefix = "golden.", HeadsPrefix = "heads.", RoutedPrefix = "clora.blocks.";

    public string Method => Recipe.Method;
    public int SeenClasses => (int)HeadWeight.Shape[0];
    public bool TaskComplete => CompletedEpochs >= Recipe.EpochsOf(Task);

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
        if (Directions.Count > 0) writer.Add("magnitudes", Magnitudes.Select(m => (float)m).ToArray(), [Magnitudes.Length]);
        for (int i = 0; i < Directions.Count; i++)
        {
            LoraDirection direction = Directions[i];
            for (int block = 0; block < Config.Depth; block++)
            {
                foreach ((string projection, LoraFactors factors) in new[] { ("q", direction.Query[block]), ("v", direction.Value[block]) })
                {
                    Add(writer, $"lora.{i}.blocks.{block}.attn.{projection}.lora_A", factors.A);
                    Add(writer, $"lora.{i}.blocks.{block}.attn.{projection}.lora_B", factors.B);
                }
            }
            writer.Add($"lora.{i}.norms", direction.Norms.Cast<float>().ToArray(), [Config.Depth, 2]);
            if (direction.Offsets is { } offsets) writer.Add($"lora.{i}.offsets", offsets.Cast<float>().ToArray(), [Config.Depth, 2]);
        }
        if (Routed is not null) SaveRouted(writer);
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
        HostTensor Tensor(string name) => file.Contains(name)
            ? new HostTensor(file.ReadFloats(name), file[name].Shape)
            : throw new CltoolException($"'{path}' lacks the tensor '{name}'.");

        var config = Read<ViTConfig>("config").Validate();
        var recipe = Read<TrainRecipe>("recipe");
        float[] magnitudes = file.Contains("magnitudes") ? file.ReadFloats("magnitudes") : [];
        var directions = Enumerable.Range(0, magnitudes.Length).Select(i =>
        {
            LoraFactors Factors(int block, string p) =>
                new(Tensor($"lora.{i}.blocks.{block}.attn.{p}.lora_A"), Tensor($"lora.{i}.blocks.{block}.attn.{p}.lora_B"));
            float[,] Grid(string name)
            {
                float[] values = Tensor(name).Data;
                if (values.Length != config.Depth * 2)
                    throw new CltoolException($"'{path}' tensor '{name}' has {values.Length} values; expected depth × 2 = {config.Depth * 2}.");
                var grid = new float[config.Depth, 2];
                Buffer.BlockCopy(values, 0, grid, 0, sizeof(float) * values.Length);
                return grid;
            }
            return new LoraDirection(
                Enumerable.Range(0, config.Depth).Select(b => Factors(b, "q")).ToArray(),
                Enumerable.Range(0, config.Depth).Select(b => Factors(b, "v")).ToArray(), Grid($"lora.{i}.norms"),
                file.Contains($"lora.{i}.offsets") ? Grid($"lora.{i}.offsets") : null);
        }).ToList();
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
            Backbone = config.ExpectedTensors().ToDictionary(t => t.Name, t => Tensor("backbone." + t.Name)),
            HeadWeight = Tensor("head.weight"),
            HeadBias = Tensor("head.bias"),
            Heads = file.Tensors.Where(t => t.Name.StartsWith(HeadsPrefix, StringComparison.Ordinal) && t.Name.EndsWith(".weight", StringComparison.Ordinal))
                .Select(t => t.Name[HeadsPrefix.Length..^".weight".Length])
                .ToDictionary(option => option, option => new LinearHead(Tensor($"{HeadsPrefix}{option}.weight"), Tensor($"{HeadsPrefix}{option}.bias"))),
            Magnitudes = magnitudes.Select(m => (double)m).ToArray(),
            Directions = directions,
            Routed = recipe.Method == Methods.CLora ? LoadRouted(file, recipe, config) : null,
            OptimizerState = file.Tensors.Where(t => t.Name.StartsWith(optimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Name[optimizerPrefix.Length..], t => new HostTensor(file.ReadFloats(t.Name), t.Shape)),
            OptimizerSteps = metadata.ContainsKey("optimizer_steps") ? Read<long>("optimizer_steps") : 0,
            Golden = GoldenBatch.ReadFrom(file, GoldenPrefix),
        };
    }

    static string RoutedName(int block, string target, string part) => $"{RoutedPrefix}{block}.attn.{target}.{part}";

    void SaveRouted(SafeTensorsWriter writer)
    {
        string[] targets = Recipe.EffectiveClora.TargetNames;
        for (int block = 0; block < Config.Depth; block++)
        {
            for (int t = 0; t < targets.Length; t++)
            {
                RoutedLoraModule module = Routed!.Modules[block][t];
                Add(writer, RoutedName(block, targets[t], "lora_A"), module.Down);
                Add(writer, RoutedName(block, targets[t], "lora_B"), module.Up);
                Add(writer, RoutedName(block, targets[t], "routing_old"), module.RoutingOld);
                if (module.RoutingDelta is { } delta) Add(writer, RoutedName(block, targets[t], "routing_delta"), delta);
            }
        }
    }

    /// <summary>C-LoRA's modules, every shape checked against the recipe's rank and the config's width.</summary>
    static RoutedLora LoadRouted(SafeTensorsFile file, TrainRecipe recipe, ViTConfig config)
    {
        int rank = recipe.Rank, dim = config.Dim;
        HostTensor Part(int block, string target, string part, long[] shape)
        {
            string name = RoutedName(block, target, part);
            if (!file.Contains(name)) throw new CltoolException($"'{file.Path}' lacks the C-LoRA tensor '{name}'.");
            HostTensor tensor = new(file.ReadFloats(name), file[name].Shape);
            if (!tensor.Shape.SequenceEqual(shape))
                throw new CltoolException($"'{file.Path}' tensor '{name}' has shape {tensor.ShapeText}; expected [{string.Join(", ", shape)}] " +
                                          $"(rank {rank}, width {dim}).");
            return tensor;
        }
        string[] targets = recipe.EffectiveClora.TargetNames;
        return new RoutedLora(Enumerable.Range(0, config.Depth).Select(block => targets.Select(target => new RoutedLoraModule(
            Part(block, target, "lora_A", [rank, dim]), Part(block, target, "lora_B", [dim, rank]), Part(block, target, "routing_old", [rank, rank]),
            file.Contains(RoutedName(block, target, "routing_delta")) ? Part(block, target, "routing_delta", [rank, rank]) : null)).ToArray()).ToArray());
    }

    static void Add(SafeTensorsWriter writer, string name, HostTensor tensor) => writer.Add(name, tensor.Data, tensor.Shape);
}
