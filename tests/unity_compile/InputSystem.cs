// COMPILE-CHECK SCAFFOLDING, NEVER SHIPPED INTO THE UNITY PROJECT (see README.md in this folder).
// The part of the Input System package (com.unity.inputsystem) the sample touches when a project
// uses it as its only input backend: Keyboard.current[Key].wasPressedThisFrame. Enum values here
// are placeholders, not the package's.
using UnityEngine.InputSystem.Controls;

namespace UnityEngine.InputSystem
{
    public enum Key
    {
        None, Space, Enter, Tab, LeftBracket, RightBracket, Minus, Equals, H, R, T,
        Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9, Digit0,
        NumpadPlus, NumpadMinus,
    }

    public class InputDevice { }

    public class Keyboard : InputDevice
    {
        public static Keyboard current { get { return null; } }
        public KeyControl this[Key key] { get { return null; } }
    }
}

namespace UnityEngine.InputSystem.Controls
{
    public class ButtonControl
    {
        public bool isPressed { get { return false; } }
        public bool wasPressedThisFrame { get { return false; } }
        public bool wasReleasedThisFrame { get { return false; } }
    }

    public class KeyControl : ButtonControl { }
}
