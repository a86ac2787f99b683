using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Exporter;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class ExportSettings : CommandSettings
{
    [CommandArgument(0, "<CHECKPOINT>")]
    [Description("A checkpoint, or a run directory (its last task's checkpoint unless --task).")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("-o|--out <FILE>")]
    [Description("The ONNX file to write (weights over 2 GB go to FILE.data next to it).")]
    [DefaultValue("model.onnx")]
    public string Out { get; init; } = "model.onnx";

    [CommandOption("--merge")]
    [Description("Fold every task's directions and magnitudes into dense weights (the default).")]
    public bool Merge { get; init; }

    [CommandOption("--no-merge")]
    [Description("Keep the adapters as separate low-rank branches, for comparison.")]
    public bool NoMerge { get; init; }

    [CommandOption("--task <K>")]
    [Description("With a run directory: export the model after task K (1-based); default: the last task.")]
    public int? Task { get; init; }

    [CommandOption("--dtype <DTYPE>")]
    [Description("fp32, fp16 (half-precision weights; input and output stay fp32) or int8 (the block linears as per-channel int8 with dynamically quantised activations; must agree with fp32 on the test split).")]
    [DefaultValue("fp32")]
    public string DType { get; init; } = "fp32";

    [CommandOption("--int8-layers <LAYERS>")]
    [Description("With --dtype int8: mlp (fc1 and fc2 of every block) or all (also the attention's qkv and proj).")]
    [DefaultValue(Int8Layers.Mlp)]
    public Int8Layers Int8Layers { get; init; } = Int8Layers.Mlp;

    [CommandOption("--fused-attention")]
    [Description("Emit ONNX Runtime's com.microsoft.Attention kernel instead of standard attention ops (merged only; not portable to other runtimes).")]
    public bool FusedAttention { get; init; }

    [CommandOption("--eval")]
    [Description("Also run the exported model over the run's test split in ONNX Runtime and compare with the trainer's accuracy.")]
    public bool Eval { get; init; }

    [CommandOption("--triton <DIR>")]
    [Description("Also write the model into a Triton-layout model repository, DIR/NAME/{config.pbtxt, labels.txt, V/model.onnx}: version 1, or the next version when NAME is there (one per task: a host polling DIR serves it next).")]
    public string? Triton { get; init; }

    [CommandOption("--triton-name <NAME>")]
    [Description("The model's name in the Triton repository.")]
    [DefaultValue("cltool-vit")]
    public string TritonName { get; init; } = "cltool-vit";

    [CommandOption("--triton-max-batch <N>")]
    [Description("max_batch_size of the Triton model configuration.")]
    [DefaultValue(32)]
    public int TritonMaxBatch { get; init; } = 32;

    public ExportOptions ExportOptions() => new(Merge: !NoMerge,
        Precision: Enum.TryParse(DType, ignoreCase: true, out WeightPrecision precision) ? precision : WeightPrecision.Fp32, FusedAttention: FusedAttention,
        Int8Layers: Int8Layers);

    public override ValidationResult Validate() => Rules.All(
        Rules.PathExists("CHECKPOINT", Checkpoint),
        Rules.Requires(!(Merge && NoMerge), "--merge and --no-merge exclude each other."),
        Rules.Positive("--task", Task ?? 1),
        Rules.Requires(Enum.TryParse(DType, ignoreCase: true, out WeightPrecision _) && DType.All(char.IsAsciiLetterOrDigit), $"--dtype must be fp32, fp16 or int8, got '{DType}'."),
        Rules.NoProblem(ExportOptions().Problem()),
        Rules.Requires(TritonName.Length > 0 && TritonName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'),
            $"--triton-name must be letters, digits, '_', '-' or '.', got '{TritonName}'."),
        Rules.Positive("--triton-max-batch", TritonMaxBatch));
}
