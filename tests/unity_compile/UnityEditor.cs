// COMPILE-CHECK SCAFFOLDING, NEVER SHIPPED INTO THE UNITY PROJECT (see README.md in this folder).
// The UnityEditor API the sample's editor code uses, with the signatures of the Unity 6 scripting
// reference; bodies do nothing. Compiled into its own stub assembly, referenced only by the Editor
// configurations of scripts/check_csharp.sh, so a player build that touched UnityEditor fails.
using System;
using UnityEngine;

namespace UnityEngine.SceneManagement
{
    public struct Scene
    {
        public string name { get { return null; } }
        public string path { get { return null; } }
        public bool IsValid() { return false; }
    }
}

namespace UnityEditor
{
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class MenuItem : Attribute
    {
        public MenuItem(string itemName) { }
        public MenuItem(string itemName, bool isValidateFunction) { }
        public MenuItem(string itemName, bool isValidateFunction, int priority) { }
    }

    public sealed class AssetDatabase
    {
        public static string GetAssetPath(UnityEngine.Object assetObject) { return null; }
        public static T LoadAssetAtPath<T>(string assetPath) where T : UnityEngine.Object { return null; }
        public static UnityEngine.Object LoadAssetAtPath(string assetPath, Type type) { return null; }
        public static string[] FindAssets(string filter) { return null; }
        public static string[] FindAssets(string filter, string[] searchInFolders) { return null; }
        public static string GUIDToAssetPath(string guid) { return null; }
        public static bool IsValidFolder(string path) { return false; }
        public static string CreateFolder(string parentFolder, string newFolderName) { return null; }
        public static void SaveAssets() { }
        public static void Refresh() { }
    }

    public class EditorUtility
    {
        public static void SetDirty(UnityEngine.Object target) { }
        public static bool DisplayDialog(string title, string message, string ok) { return true; }
        public static bool DisplayDialog(string title, string message, string ok, string cancel) { return true; }
    }

    public sealed class EditorApplication
    {
        public delegate void CallbackFunction();
        public static CallbackFunction delayCall;
        public static CallbackFunction update;
        public static bool isPlaying { get { return false; } set { } }
        public static bool isPlayingOrWillChangePlaymode { get { return false; } }
    }

    public sealed class Selection
    {
        public static GameObject activeGameObject { get { return null; } set { } }
        public static UnityEngine.Object activeObject { get { return null; } set { } }
    }
}

namespace UnityEditor.SceneManagement
{
    public enum NewSceneSetup { EmptyScene = 0, DefaultGameObjects = 1 }
    public enum NewSceneMode { Single = 0, Additive = 1 }

    public sealed class EditorSceneManager
    {
        public static UnityEngine.SceneManagement.Scene NewScene(NewSceneSetup setup, NewSceneMode mode = NewSceneMode.Single)
        {
            return new UnityEngine.SceneManagement.Scene();
        }

        public static bool SaveScene(UnityEngine.SceneManagement.Scene scene, string dstScenePath = "", bool saveAsCopy = false)
        {
            return true;
        }

        public static bool SaveCurrentModifiedScenesIfUserWantsTo() { return true; }
    }
}
