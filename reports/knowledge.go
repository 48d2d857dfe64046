package reports

import "fmt"

// KnowledgeTable renders the knowledge populations of the rows that have one (nil Knowledge rows
// are left out; "" when none has): knowledge users and events beside the task's, the knowledge
// events later than the task's first test target (the time overlap), the behaviors
// the knowledge users show, and the task's tail behaviors they never show (what the pretrained
// LM cannot know about).
func KnowledgeTable(rows []StatsRow) (string, error) {
	header := []string{"data set", "task users", "task events", "knowledge users", "knowledge events",
		"knowledge events after test start", "behaviors in knowledge", "tail behaviors absent from knowledge"}
	var body [][]string
	for _, r := range rows {
		s := r.Stats
		if s.Knowledge == nil {
			continue
		}
		k := s.Knowledge
		body = append(body, []string{s.Dataset, fmt.Sprint(s.Users), fmt.Sprint(s.Events), fmt.Sprint(k.Users),
			fmt.Sprint(k.Events), fmt.Sprint(k.AfterTestStart), fmt.Sprintf("%d of %d", k.Behaviors, s.Behaviors), fmt.Sprint(k.TailAbsent)})
	}
	if body == nil {
		return "", nil
	}
	return markdownTable(header, body)
}
