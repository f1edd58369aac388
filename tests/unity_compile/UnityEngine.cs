// COMPILE-CHECK SCAFFOLDING, NEVER SHIPPED INTO THE UNITY PROJECT (see README.md in this folder).
// Declarations of the UnityEngine API the sample uses, with the signatures of the Unity 6 scripting
// reference; bodies do nothing.
using System;

namespace UnityEngine
{
    public class Object
    {
        public string name { get; set; }
        public int GetInstanceID() { return 0; }
        public static void Destroy(Object obj) { }
        public static void Destroy(Object obj, float t) { }
        public static void DestroyImmediate(Object obj) { }
        public static void DestroyImmediate(Object obj, bool allowDestroyingAssets) { }
        public static implicit operator bool(Object exists) { return !ReferenceEquals(exists, null); }
        public static bool operator ==(Object x, Object y) { return ReferenceEquals(x, y); }
        public static bool operator !=(Object x, Object y) { return !ReferenceEquals(x, y); }
        public override bool Equals(object other) { return ReferenceEquals(this, other); }
        public override int GetHashCode() { return 0; }
    }

    public class ScriptableObject : Object { }

    public class Component : Object
    {
        public Transform transform { get { return null; } }
        public GameObject gameObject { get { return null; } }
        public T GetComponent<T>() { return default(T); }
    }

    public class Behaviour : Component
    {
        public bool enabled { get; set; }
        public bool isActiveAndEnabled { get { return false; } }
    }

    public class MonoBehaviour : Behaviour { }

    public sealed class GameObject : Object
    {
        public GameObject() { }
        public GameObject(string name) { }
        public Transform transform { get { return null; } }
        public T AddComponent<T>() where T : Component { return null; }
        public T GetComponent<T>() { return default(T); }
        public static GameObject CreatePrimitive(PrimitiveType type) { return null; }
    }

    public enum PrimitiveType { Sphere = 0, Capsule = 1, Cylinder = 2, Cube = 3, Plane = 4, Quad = 5 }
    public enum Space { World = 0, Self = 1 }

    public class Transform : Component
    {
        public Vector3 position { get; set; }
        public Vector3 localPosition { get; set; }
        public Vector3 localScale { get; set; }
        public Quaternion rotation { get; set; }
        public void LookAt(Vector3 worldPosition) { }
        public void Rotate(Vector3 axis, float angle, Space relativeTo) { }
        public void Rotate(Vector3 eulers) { }
        public void RotateAround(Vector3 point, Vector3 axis, float angle) { }
    }

    [Flags]
    public enum DepthTextureMode { None = 0, Depth = 1, DepthNormals = 2, MotionVectors = 4 }

    public enum RenderingPath { UsePlayerSettings = -1, VertexLit = 0, Forward = 1, DeferredLighting = 2, DeferredShading = 3 }

    public enum CameraType { Game = 1, SceneView = 2, Preview = 4, VR = 8, Reflection = 16 }

    public sealed class Camera : Behaviour
    {
        public static Camera main { get { return null; } }
        public RenderTexture targetTexture { get; set; }
        public bool allowHDR { get; set; }
        public bool allowMSAA { get; set; }
        public RenderingPath actualRenderingPath { get { return RenderingPath.Forward; } }
        public DepthTextureMode depthTextureMode { get; set; }
        public CameraType cameraType { get; set; }
        public int pixelWidth { get { return 0; } }
        public int pixelHeight { get { return 0; } }
    }

    public class Renderer : Component
    {
        public Material sharedMaterial { get; set; }
        public Material material { get; set; }
    }

    public class Material : Object
    {
        public Material(Shader shader) { }
        public Material(Material source) { }
        public Color color { get; set; }
    }

    public sealed class Shader : Object
    {
        public static Shader Find(string name) { return null; }
        public static int PropertyToID(string name) { return 0; }
        public static Texture GetGlobalTexture(string name) { return null; }
        public static Texture GetGlobalTexture(int nameID) { return null; }
    }

    public sealed class ComputeShader : Object
    {
        public int FindKernel(string name) { return 0; }
        public bool HasKernel(string name) { return false; }
        public void SetTexture(int kernelIndex, int nameID, Texture texture) { }
        public void SetTexture(int kernelIndex, string name, Texture texture) { }
        public void SetTextureFromGlobal(int kernelIndex, int nameID, int globalTextureNameID) { }
        public void SetTextureFromGlobal(int kernelIndex, string name, string globalTextureName) { }
        public void SetVector(int nameID, Vector4 val) { }
        public void SetInt(int nameID, int val) { }
        public void SetFloat(int nameID, float val) { }
        public void Dispatch(int kernelIndex, int threadGroupsX, int threadGroupsY, int threadGroupsZ) { }
    }

    public static class Resources
    {
        public static T Load<T>(string path) where T : Object { return null; }
    }

    public class TextAsset : Object
    {
        public string text { get { return null; } }
    }

    public enum FilterMode { Point = 0, Bilinear = 1, Trilinear = 2 }
    public enum TextureWrapMode { Repeat = 0, Clamp = 1, Mirror = 2, MirrorOnce = 3 }
    public enum RenderTextureFormat { ARGB32 = 0, Depth = 1, ARGBHalf = 2, Default = 7, ARGBFloat = 11, RGHalf = 13 }
    public enum RenderTextureReadWrite { Default = 0, Linear = 1, sRGB = 2 }
    public enum RenderTextureMemoryless { None = 0, Color = 1, Depth = 2, MSAA = 4 }
    public enum VRTextureUsage { None = 0, OneEye = 1, TwoEyes = 2, DeviceSpecific = 3 }

    public class Texture : Object
    {
        public virtual int width { get { return 0; } set { } }
        public virtual int height { get { return 0; } set { } }
        public FilterMode filterMode { get; set; }
        public TextureWrapMode wrapMode { get; set; }
        public virtual Experimental.Rendering.GraphicsFormat graphicsFormat { get { return 0; } }
        public virtual Rendering.TextureDimension dimension { get { return Rendering.TextureDimension.Tex2D; } set { } }
    }

    public sealed class Texture2D : Texture
    {
        public Texture2D(int width, int height) { }
    }

    public class RenderTexture : Texture
    {
        public RenderTexture(int width, int height, int depth) { }
        public RenderTexture(int width, int height, int depth, RenderTextureFormat format) { }
        public RenderTexture(int width, int height, int depth, RenderTextureFormat format, RenderTextureReadWrite readWrite) { }
        public bool enableRandomWrite { get; set; }
        public bool sRGB { get { return false; } }
        public bool Create() { return true; }
        public void Release() { }
        public bool IsCreated() { return false; }
        public static RenderTexture active { get; set; }
        public static RenderTexture GetTemporary(int width, int height, int depthBuffer = 0,
                                                 RenderTextureFormat format = RenderTextureFormat.Default,
                                                 RenderTextureReadWrite readWrite = RenderTextureReadWrite.Default, int antiAliasing = 1,
                                                 RenderTextureMemoryless memorylessMode = RenderTextureMemoryless.None,
                                                 VRTextureUsage vrUsage = VRTextureUsage.None, bool useDynamicScale = false) { return null; }
        public static void ReleaseTemporary(RenderTexture temp) { }
    }

    public static class Graphics
    {
        public static void Blit(Texture source, RenderTexture dest) { }
        public static void Blit(Texture source, RenderTexture dest, Material mat) { }
        public static void Blit(Texture source, RenderTexture dest, Vector2 scale, Vector2 offset) { }
        public static void ExecuteCommandBuffer(Rendering.CommandBuffer buffer) { }
    }

    public enum ColorSpace { Uninitialized = -1, Gamma = 0, Linear = 1 }

    public sealed class QualitySettings : Object
    {
        public static int vSyncCount { get; set; }
        public static int antiAliasing { get; set; }
        public static ColorSpace activeColorSpace { get { return ColorSpace.Linear; } }
    }

    public static class Application
    {
        public static int targetFrameRate { get; set; }
        public static bool isPlaying { get { return false; } }
    }

    public sealed class SystemInfo
    {
        public static bool supportsComputeShaders { get { return true; } }
        public static bool graphicsUVStartsAtTop { get { return true; } }
        public static bool usesReversedZBuffer { get { return true; } }
        public static string graphicsDeviceName { get { return null; } }
    }

    public sealed class Screen
    {
        public static int width { get { return 0; } }
        public static int height { get { return 0; } }
    }

    public class Time
    {
        public static float time { get { return 0f; } }
        public static float deltaTime { get { return 0f; } }
        public static float unscaledTime { get { return 0f; } }
        public static float unscaledDeltaTime { get { return 0f; } }
        public static int frameCount { get { return 0; } }
    }

    public class Debug
    {
        public static void Log(object message) { }
        public static void Log(object message, Object context) { }
        public static void LogWarning(object message) { }
        public static void LogWarning(object message, Object context) { }
        public static void LogError(object message) { }
        public static void LogError(object message, Object context) { }
        public static void LogException(Exception exception) { }
        public static void LogException(Exception exception, Object context) { }
    }

    public static class JsonUtility
    {
        public static T FromJson<T>(string json) { return default(T); }
        public static object FromJson(string json, Type type) { return null; }
        public static string ToJson(object obj) { return null; }
    }

    public struct Mathf
    {
        public const float PI = 3.14159274f;
        public static int Max(int a, int b) { return a > b ? a : b; }
        public static float Max(float a, float b) { return a > b ? a : b; }
        public static int Min(int a, int b) { return a < b ? a : b; }
        public static float Min(float a, float b) { return a < b ? a : b; }
        public static int Clamp(int value, int min, int max) { return value; }
        public static float Clamp(float value, float min, float max) { return value; }
        public static int Abs(int value) { return value; }
        public static float Abs(float f) { return f; }
        public static int RoundToInt(float f) { return 0; }
        public static int CeilToInt(float f) { return 0; }
        public static int FloorToInt(float f) { return 0; }
        public static float Sin(float f) { return 0f; }
        public static float Cos(float f) { return 0f; }
    }

    public struct Vector2
    {
        public float x, y;
        public Vector2(float x, float y) { this.x = x; this.y = y; }
    }

    public struct Vector3
    {
        public float x, y, z;
        public Vector3(float x, float y, float z) { this.x = x; this.y = y; this.z = z; }
        public static Vector3 zero { get { return new Vector3(); } }
        public static Vector3 one { get { return new Vector3(1f, 1f, 1f); } }
        public static Vector3 up { get { return new Vector3(0f, 1f, 0f); } }
        public static Vector3 operator *(Vector3 a, float d) { return a; }
        public static Vector3 operator *(float d, Vector3 a) { return a; }
        public static Vector3 operator +(Vector3 a, Vector3 b) { return a; }
    }

    public struct Vector4
    {
        public float x, y, z, w;
        public Vector4(float x, float y, float z, float w) { this.x = x; this.y = y; this.z = z; this.w = w; }
        public static Vector4 zero { get { return new Vector4(); } }
    }

    public struct Quaternion
    {
        public float x, y, z, w;
        public static Quaternion Euler(float x, float y, float z) { return new Quaternion(); }
    }

    public struct Color
    {
        public float r, g, b, a;
        public Color(float r, float g, float b) { this.r = r; this.g = g; this.b = b; a = 1f; }
        public Color(float r, float g, float b, float a) { this.r = r; this.g = g; this.b = b; this.a = a; }
        public static Color white { get { return new Color(1f, 1f, 1f); } }
        public static Color black { get { return new Color(0f, 0f, 0f); } }
        public static Color HSVToRGB(float H, float S, float V) { return new Color(); }
    }

    public struct Rect
    {
        public Rect(float x, float y, float width, float height) { }
    }

    // IMGUI
    public enum TextAnchor { UpperLeft = 0, UpperCenter = 1, UpperRight = 2, MiddleLeft = 3, MiddleCenter = 4 }

    public class GUIContent
    {
        public GUIContent() { }
        public GUIContent(string text) { }
    }

    public class GUIStyleState
    {
        public Color textColor { get; set; }
    }

    public sealed class GUIStyle
    {
        public GUIStyle() { }
        public GUIStyle(GUIStyle other) { }
        public TextAnchor alignment { get; set; }
        public int fontSize { get; set; }
        public bool richText { get; set; }
        public GUIStyleState normal { get { return null; } set { } }
        public Vector2 CalcSize(GUIContent content) { return new Vector2(); }
    }

    public sealed class GUISkin : ScriptableObject
    {
        public GUIStyle box { get { return null; } set { } }
        public GUIStyle label { get { return null; } set { } }
    }

    public class GUI
    {
        public static GUISkin skin { get { return null; } set { } }
        public static Color color { get; set; }
        public static void Box(Rect position, string text) { }
        public static void Box(Rect position, string text, GUIStyle style) { }
        public static void Label(Rect position, string text) { }
        public static void Label(Rect position, string text, GUIStyle style) { }
    }

    // Input Manager (the classic input backend)
    public enum KeyCode
    {
        None = 0, Tab = 9, Space = 32, Minus = 45, Alpha0 = 48, Alpha1 = 49, Alpha2 = 50, Alpha3 = 51,
        Alpha4 = 52, Alpha5 = 53, Alpha6 = 54, Alpha7 = 55, Alpha8 = 56, Alpha9 = 57, Equals = 61,
        LeftBracket = 91, RightBracket = 93, A = 97, H = 104, R = 114, S = 115, T = 116,
        Keypad0 = 256, KeypadMinus = 269, KeypadPlus = 270, F1 = 282,
    }

    public class Input
    {
        public static bool GetKeyDown(KeyCode key) { return false; }
        public static bool GetKey(KeyCode key) { return false; }
    }

    // Attributes
    public abstract class PropertyAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class SerializeField : Attribute { }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = true)]
    public class HeaderAttribute : PropertyAttribute
    {
        public readonly string header;
        public HeaderAttribute(string header) { this.header = header; }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public class TooltipAttribute : PropertyAttribute
    {
        public readonly string tooltip;
        public TooltipAttribute(string tooltip) { this.tooltip = tooltip; }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class RangeAttribute : PropertyAttribute
    {
        public readonly float min, max;
        public RangeAttribute(float min, float max) { this.min = min; this.max = max; }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class MinAttribute : PropertyAttribute
    {
        public readonly float min;
        public MinAttribute(float min) { this.min = min; }
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute
    {
        public RequireComponent(Type requiredComponent) { }
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class DisallowMultipleComponent : Attribute { }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class AddComponentMenu : Attribute
    {
        public AddComponentMenu(string menuName) { }
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class PreferBinarySerialization : Attribute { }
}

namespace UnityEngine.Experimental.Rendering
{
    // Unity's values for the members declared here.
    public enum GraphicsFormat
    {
        None = 0, R8G8B8A8_UNorm = 4, R8G8B8A8_SRGB = 8, R16G16B16A16_SFloat = 48, R32G32B32A32_SFloat = 52,
    }
}

namespace UnityEngine.Rendering
{
    public class CommandBuffer : IDisposable
    {
        public string name { get; set; }
        public void Clear() { }
        public void Release() { }
        public void Dispose() { }
        public void Blit(Texture source, RenderTargetIdentifier dest) { }
        public void Blit(Texture source, RenderTargetIdentifier dest, Material mat) { }
        public void Blit(RenderTargetIdentifier source, RenderTargetIdentifier dest) { }
        public void Blit(RenderTargetIdentifier source, RenderTargetIdentifier dest, Material mat) { }
        public void SetComputeTextureParam(ComputeShader computeShader, int kernelIndex, int nameID, RenderTargetIdentifier rt) { }
        public void SetComputeTextureParam(ComputeShader computeShader, int kernelIndex, string name, RenderTargetIdentifier rt) { }
        public void SetComputeVectorParam(ComputeShader computeShader, int nameID, Vector4 val) { }
        public void SetComputeIntParam(ComputeShader computeShader, int nameID, int val) { }
        public void SetComputeFloatParam(ComputeShader computeShader, int nameID, float val) { }
        public void DispatchCompute(ComputeShader computeShader, int kernelIndex, int threadGroupsX, int threadGroupsY, int threadGroupsZ) { }
    }

    public enum BuiltinRenderTextureType { None = 0, CameraTarget = 2 }

    public enum TextureDimension { Unknown = -1, None = 0, Any = 1, Tex2D = 2, Tex3D = 3, Cube = 4, Tex2DArray = 5, CubeArray = 6 }

    public struct RenderTargetIdentifier
    {
        public RenderTargetIdentifier(Texture tex) { }
        public RenderTargetIdentifier(BuiltinRenderTextureType type) { }
        public RenderTargetIdentifier(int nameID) { }
        public static implicit operator RenderTargetIdentifier(Texture tex) { return new RenderTargetIdentifier(); }
        public static implicit operator RenderTargetIdentifier(BuiltinRenderTextureType type) { return new RenderTargetIdentifier(); }
    }

    public struct ScriptableRenderContext
    {
        public void ExecuteCommandBuffer(CommandBuffer commandBuffer) { }
        public void Submit() { }
    }

    public class ProfilingSampler
    {
        public ProfilingSampler(string name) { }
        public string name { get { return null; } }
    }

    public abstract class RenderPipelineAsset : ScriptableObject { }

    public sealed class GraphicsSettings : Object
    {
        public static RenderPipelineAsset defaultRenderPipeline { get { return null; } set { } }
        public static RenderPipelineAsset currentRenderPipeline { get { return null; } }
    }
}
