"""汇报模式: the year's results for the meeting-room screen, one chart or headline per screen (no sidebar or toolbar,
large dark type), ← → or the buttons to move, the year, data date and 示例数据 on every screen."""

from ui import meeting

year, units, version = meeting.presentation_context()
meeting.present(meeting.facts(year, units, (), version))
