namespace Cltool.Core.Continual;

/// <summary>The method names, as recipes and the command line spell them; what each one is lives in <see cref="MethodCatalog"/>.</summary>
public static class Methods
{
    public const string SdLora = "sdlora";
    public const string SdLoraPaper = "sdlora-paper";
    public const string SdLoraRr = "sdlora-rr";
    public const string SdLoraKd = "sdlora-kd";
    public const string CLora = "clora";
    public const string InfLora = "inflora";
    public const string SeqLora = "seq-lora";
    public const string FullFineTune = "full-ft";
    public const string SimpleCil = "simplecil";
    public const string Joint = "joint";
}
