using System.Globalization;
using Cltool.Core;
using Cltool.Core.Errors;

namespace Cltool.InferenceHost;

/// <summary>The standalone host's command line: `--option value` pairs and the `--watch` flag; anything else is one error.</summary>
public static class HostArguments
{
    public static ServeOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServeOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            if (option == "--watch") { options = options with { Watch = true }; continue; }
            if (option is "-h" or "--help") throw new CltoolException(UsageLine, ExitCodes.Success);
            if (i + 1 >= args.Count) throw Usage($"{option} needs a value.");
            string value = args[++i];
            options = option switch
            {
                "--model" or "-m" => options with { ModelPath = value },
                "--name" => options with { ModelName = value },
                "--urls" => options with { Urls = value },
                "--device" => options with { Device = Enum.TryParse(value, true, out DeviceKind device) ? device : throw Usage($"--device must be auto, cpu or cuda, got '{value}'.") },
                "--max-batch" => options with { MaxBatch = Int(option, value) },
                "--max-delay-ms" => options with { MaxDelayMs = Int(option, value) },
                "--queue" => options with { QueueCapacity = Int(option, value) },
                "--threads" => options with { Threads = Int(option, value) },
                "--api-key" => options with { ApiKey = value },
                "--max-body-bytes" => options with { MaxBodyBytes = Long(option, value) },
                "--max-image-pixels" => options with { MaxImagePixels = Long(option, value) },
                "--timeout-ms" => options with { RequestTimeoutMs = Int(option, value) },
                _ => throw Usage($"unknown option '{option}'."),
            };
        }
        return options;
    }

    const string UsageLine = "usage: cltool-host --model FILE [--name NAME] [--urls URLS] [--device auto|cpu|cuda] [--max-batch N] [--max-delay-ms MS] " +
                         "[--queue N] [--threads N] [--api-key KEY] [--max-body-bytes N] [--max-image-pixels N] [--timeout-ms MS] [--watch]";

    static CltoolException Usage(string problem) => new($"{problem} {UsageLine}", ExitCodes.Usage);

    static int Int(string option, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : throw Usage($"{option} must be an integer, got '{value}'.");

    static long Long(string option, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : throw Usage($"{option} must be an integer, got '{value}'.");
}
