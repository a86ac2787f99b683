using System.ComponentModel;
using System.Diagnostics;
using Cltool.Core.Errors;
using Google.Protobuf;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Protobuf text format (config.pbtxt) read by protobuf's own parser: Google.Protobuf's C# runtime has none, so the
/// protoc that ships beside the host (from Grpc.Tools) encodes the text against model_config.proto and the generated
/// message parses the bytes. protoc's message names the line, column and field of the first mistake, and a field the
/// proto does not declare is a mistake, which is how a config the host cannot honour fails its load.
/// </summary>
public static class ProtobufText
{
    static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "protoc");
    static readonly string Protoc = Path.Combine(Folder, OperatingSystem.IsWindows() ? "protoc.exe" : "protoc");

    /// <summary>The message <paramref name="text"/> describes; <paramref name="where"/> names it in errors.</summary>
    public static T Parse<T>(string text, string where) where T : IMessage<T>, new()
    {
        var message = new T();
        string type = message.Descriptor.FullName;
        (byte[] encoded, string errors, int exitCode) = Run($"--encode={type} --proto_path=\"{Folder}\" {message.Descriptor.File.Name}", text);
        if (exitCode != 0)
            throw new CltoolException($"{where}: {Mistake(errors, type)}");
        message.MergeFrom(encoded);
        return message;
    }

    /// <summary>protoc's first line ("input:3:5: Message type ... has no field named ...", both counted from 1) as "line 3, column 5: ...".</summary>
    static string Mistake(string errors, string type)
    {
        string first = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"protoc could not read it as {type}";
        string[] parts = first.Split(':', 4);
        return parts.Length == 4 && parts[0] == "input" && int.TryParse(parts[1], out int line) && int.TryParse(parts[2], out int column)
            ? $"line {line}, column {column}: {parts[3].Trim()}"
            : first.Trim();
    }

    static (byte[] Output, string Errors, int ExitCode) Run(string arguments, string input)
    {
        if (!File.Exists(Protoc))
            throw new CltoolException($"protoc is missing beside the host (expected {Protoc}); rebuild or republish the host.");
        var start = new ProcessStartInfo(Protoc, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Start(start);
        // Both pipes are drained while the input is written: a full pipe would otherwise block protoc and us with it.
        var output = new MemoryStream();
        Task copying = process.StandardOutput.BaseStream.CopyToAsync(output);
        Task<string> errors = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        Task.WaitAll(copying, errors);
        process.WaitForExit();
        return (output.ToArray(), errors.Result, process.ExitCode);
    }

    static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new CltoolException($"could not start {Protoc}.");
        }
        catch (Win32Exception error)
        {
            throw new CltoolException($"could not run {Protoc}: {error.Message} (it must be executable by the user running the host).");
        }
    }
}
