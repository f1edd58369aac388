// Keyboard shortcuts through whichever input backend the project has enabled:
// the Input System package (Player Settings > Active Input Handling = "Input System Package") or the
// classic Input Manager ("Input Manager (Old)" or "Both"). The sample project itself ships without
// the Input System package, so it uses the classic one.
#if ENABLE_INPUT_SYSTEM && !ENABLE_LEGACY_INPUT_MANAGER
using UnityEngine.InputSystem;
#else
using UnityEngine;
#endif

namespace RLMiniStyler.Sample
{
    public enum SampleKey
    {
        ToggleStylize,   // T
        ToggleHud,       // H
        ResetStats,      // R
        StepUp,          // = / keypad +
        StepDown,        // - / keypad -
        NextStyle,       // ]
        PreviousStyle,   // [
    }

    public static class SampleKeys
    {
        /// <summary>The digit key pressed this frame (1..9, and 0 for 10), or -1.</summary>
        public static int DigitPressed()
        {
            for (var d = 0; d <= 9; d++)
                if (DigitDown(d))
                    return d;
            return -1;
        }

#if ENABLE_INPUT_SYSTEM && !ENABLE_LEGACY_INPUT_MANAGER
        static readonly Key[] k_Digits =
        {
            Key.Digit0, Key.Digit1, Key.Digit2, Key.Digit3, Key.Digit4,
            Key.Digit5, Key.Digit6, Key.Digit7, Key.Digit8, Key.Digit9,
        };

        static bool Down(Key key)
        {
            var keyboard = Keyboard.current;
            return keyboard != null && keyboard[key].wasPressedThisFrame;
        }

        static bool DigitDown(int digit) { return Down(k_Digits[digit]); }

        public static bool Pressed(SampleKey key)
        {
            switch (key)
            {
                case SampleKey.ToggleStylize: return Down(Key.T);
                case SampleKey.ToggleHud: return Down(Key.H);
                case SampleKey.ResetStats: return Down(Key.R);
                case SampleKey.StepUp: return Down(Key.Equals) || Down(Key.NumpadPlus);
                case SampleKey.StepDown: return Down(Key.Minus) || Down(Key.NumpadMinus);
                case SampleKey.NextStyle: return Down(Key.RightBracket);
                case SampleKey.PreviousStyle: return Down(Key.LeftBracket);
                default: return false;
            }
        }
#else
        static bool DigitDown(int digit) { return Input.GetKeyDown(KeyCode.Alpha0 + digit); }

        public static bool Pressed(SampleKey key)
        {
            switch (key)
            {
                case SampleKey.ToggleStylize: return Input.GetKeyDown(KeyCode.T);
                case SampleKey.ToggleHud: return Input.GetKeyDown(KeyCode.H);
                case SampleKey.ResetStats: return Input.GetKeyDown(KeyCode.R);
                case SampleKey.StepUp: return Input.GetKeyDown(KeyCode.Equals) || Input.GetKeyDown(KeyCode.KeypadPlus);
                case SampleKey.StepDown: return Input.GetKeyDown(KeyCode.Minus) || Input.GetKeyDown(KeyCode.KeypadMinus);
                case SampleKey.NextStyle: return Input.GetKeyDown(KeyCode.RightBracket);
                case SampleKey.PreviousStyle: return Input.GetKeyDown(KeyCode.LeftBracket);
                default: return false;
            }
        }
#endif
    }
}
