"""Text/image -> video over provider APIs, with a write-ahead manifest so nothing is paid twice."""
