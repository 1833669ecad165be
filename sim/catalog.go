package sim

import (
	"fmt"

	"github.com/citygrid/citygrid/geo"
)

// The tables below shape what incidents look like. Proportions are rough but
// plausible for a Chinese city: 110 is the police line (traffic, theft, disputes),
// 12345 the citizen service hotline (noise, environment, complaints), grid the
// grid workers' own inspections, sensor the IoT feeds (traffic cameras, smoke and
// water-level sensors) and mediation the people's mediation committees.

var sources = []choice[string]{
	{"110", 35}, {"12345", 30}, {"grid", 20}, {"sensor", 10}, {"mediation", 5},
}

var categoriesBySource = map[string][]choice[string]{
	"110": {
		{"traffic", 30}, {"theft", 20}, {"dispute", 20}, {"public-order", 15},
		{"medical", 7}, {"fire", 5}, {"noise", 3},
	},
	"12345": {
		{"noise", 30}, {"environment", 25}, {"public-order", 15}, {"traffic", 15}, {"dispute", 15},
	},
	"grid": {
		{"environment", 35}, {"public-order", 30}, {"dispute", 15}, {"noise", 10}, {"traffic", 10},
	},
	"sensor": {
		{"traffic", 45}, {"environment", 35}, {"fire", 20},
	},
	"mediation": {
		{"dispute", 85}, {"noise", 15},
	},
}

// An incidentType is one kind of incident within a category, with what its
// title says and how severe it may be. Severity follows the type, not the
// category: a traffic accident may be critical (4), illegal parking never
// goes past 2, so a severe-incident alert is never raised for a parked car.
type incidentType struct {
	code     string // for tests and readers: "traffic.parking"
	weight   float64
	severity []choice[int] // only the severities listed can be drawn
	title    words
}

// words is one piece of text in each language the simulator writes.
type words struct{ zh, en string }

// in is w in lang ("zh" or "en").
func (w words) in(lang string) string {
	if lang == "zh" {
		return w.zh
	}
	return w.en
}

// typesByCategory are the kinds of incident of each category, weighted
// within it. Severities are set so that most incidents are 1–2 and 4 stays
// rare (about 1.5 % overall): fires and medical emergencies skew higher; noise,
// parking and litter never reach 3 or 4.
var typesByCategory = map[string][]incidentType{
	"traffic": {
		{"traffic.accident", 20, []choice[int]{{1, 25}, {2, 40}, {3, 25}, {4, 10}}, words{"交通事故", "Traffic accident"}},
		{"traffic.scrape", 20, []choice[int]{{1, 70}, {2, 30}}, words{"两车剐蹭", "Minor collision"}},
		{"traffic.parking", 25, []choice[int]{{1, 85}, {2, 15}}, words{"违章停车", "Illegal parking"}},
		{"traffic.congestion", 20, []choice[int]{{1, 55}, {2, 38}, {3, 7}}, words{"道路拥堵", "Traffic jam"}},
		{"traffic.signal", 15, []choice[int]{{1, 40}, {2, 48}, {3, 12}}, words{"信号灯故障", "Traffic light out"}},
	},
	"theft": {
		{"theft.ebike", 40, []choice[int]{{1, 50}, {2, 45}, {3, 5}}, words{"电动车被盗", "E-bike stolen"}},
		{"theft.burglary", 20, []choice[int]{{1, 15}, {2, 50}, {3, 28}, {4, 7}}, words{"入室盗窃", "Burglary"}},
		{"theft.pickpocket", 25, []choice[int]{{1, 55}, {2, 40}, {3, 5}}, words{"扒窃", "Pickpocketing"}},
		{"theft.car", 15, []choice[int]{{1, 45}, {2, 45}, {3, 10}}, words{"车内财物被盗", "Theft from a car"}},
	},
	"noise": {
		{"noise.construction", 30, []choice[int]{{1, 70}, {2, 30}}, words{"施工噪音扰民", "Construction noise"}},
		{"noise.night", 30, []choice[int]{{1, 75}, {2, 25}}, words{"夜间噪音", "Noise at night"}},
		{"noise.square-dance", 20, []choice[int]{{1, 90}, {2, 10}}, words{"广场舞噪音", "Square dancing too loud"}},
		{"noise.shop", 20, []choice[int]{{1, 85}, {2, 15}}, words{"商铺音响扰民", "Shop loudspeaker"}},
	},
	"dispute": {
		{"dispute.neighbour", 30, []choice[int]{{1, 65}, {2, 30}, {3, 5}}, words{"邻里纠纷", "Neighbours' dispute"}},
		{"dispute.wages", 15, []choice[int]{{1, 35}, {2, 40}, {3, 20}, {4, 5}}, words{"劳资纠纷", "Unpaid wages"}},
		{"dispute.property", 20, []choice[int]{{1, 65}, {2, 30}, {3, 5}}, words{"物业纠纷", "Dispute with the property manager"}},
		{"dispute.consumer", 20, []choice[int]{{1, 75}, {2, 25}}, words{"消费纠纷", "Consumer dispute"}},
		{"dispute.family", 15, []choice[int]{{1, 50}, {2, 35}, {3, 12}, {4, 3}}, words{"家庭纠纷", "Family dispute"}},
	},
	"fire": {
		{"fire.alarm", 30, []choice[int]{{1, 30}, {2, 50}, {3, 20}}, words{"火情报警", "Fire reported"}},
		{"fire.ebike", 25, []choice[int]{{1, 10}, {2, 45}, {3, 33}, {4, 12}}, words{"电动车起火", "E-bike on fire"}},
		{"fire.kitchen", 25, []choice[int]{{1, 10}, {2, 40}, {3, 35}, {4, 15}}, words{"厨房起火", "Kitchen fire"}},
		{"fire.smoke", 20, []choice[int]{{1, 45}, {2, 45}, {3, 10}}, words{"烟感报警", "Smoke alarm"}},
	},
	"medical": {
		{"medical.sudden", 40, []choice[int]{{1, 10}, {2, 45}, {3, 33}, {4, 12}}, words{"突发疾病", "Taken ill"}},
		{"medical.fall", 35, []choice[int]{{1, 30}, {2, 50}, {3, 17}, {4, 3}}, words{"老人摔倒", "Elderly person fallen"}},
		{"medical.help", 25, []choice[int]{{1, 20}, {2, 45}, {3, 27}, {4, 8}}, words{"急救求助", "Call for first aid"}},
	},
	"environment": {
		{"environment.litter", 30, []choice[int]{{1, 85}, {2, 15}}, words{"垃圾堆放", "Rubbish dumped"}},
		{"environment.sewage", 15, []choice[int]{{1, 45}, {2, 40}, {3, 12}, {4, 3}}, words{"污水排放", "Sewage discharge"}},
		{"environment.flooding", 20, []choice[int]{{1, 60}, {2, 32}, {3, 8}}, words{"道路积水", "Road flooded"}},
		{"environment.fumes", 20, []choice[int]{{1, 75}, {2, 25}}, words{"油烟扰民", "Cooking fumes"}},
		{"environment.river", 15, []choice[int]{{1, 80}, {2, 20}}, words{"河道漂浮物", "Debris on the river"}},
	},
	"public-order": {
		{"public-order.brawl", 25, []choice[int]{{1, 35}, {2, 40}, {3, 20}, {4, 5}}, words{"聚众滋事", "Brawl"}},
		{"public-order.street-stall", 35, []choice[int]{{1, 85}, {2, 15}}, words{"占道经营", "Street stall blocking the way"}},
		{"public-order.drunk", 20, []choice[int]{{1, 45}, {2, 42}, {3, 13}}, words{"醉酒滋事", "Drunk and disorderly"}},
		{"public-order.building", 20, []choice[int]{{1, 70}, {2, 28}, {3, 2}}, words{"违规搭建", "Illegal building"}},
	},
}

// A phrasebook is how the simulator writes in one language: titles,
// addresses, and the notes its cases carry. The language is the profile's
// (geo.Profile.Lang); Chinese for zh, English for any other or none.
type phrasebook struct {
	lang string
	// title writes an incident's title from the road it is on and its type's words.
	title func(road, what string) string
	// address writes a street address.
	address func(district, road string, number int) string
	// roads are used when the profile names none.
	roads []string
	// notes of the case loop, by action, and the follow-up's reporter and comment
	notes             map[string]string
	citizen, followUp string
}

var phrasebooks = map[string]*phrasebook{
	"zh": {
		lang:    "zh",
		title:   func(road, what string) string { return road + " " + what },
		address: func(district, road string, n int) string { return fmt.Sprintf("%s%s%d号", district, road, n) },
		roads:   []string{"人民路", "中山路", "解放路", "建设路", "新华路", "长江路", "东环路", "友谊路", "青年路", "和平路"},
		notes: map[string]string{
			"reject": "重复报件", "escalate": "需上级协调", "suspend": "已批准，等待业主配合",
			"handle": "已处置，附现场照片", "return": "核查未通过",
		},
		citizen: "市民", followUp: "市民回访",
	},
	"en": {
		lang:    "en",
		title:   func(road, what string) string { return what + ", " + road },
		address: func(district, road string, n int) string { return fmt.Sprintf("%d %s, %s", n, road, district) },
		roads:   []string{"Main Street", "Station Road", "High Street", "Park Road", "Church Street", "River Road", "Market Street", "Mill Lane"},
		notes: map[string]string{
			"reject": "a duplicate of an earlier report", "escalate": "needs the level above", "suspend": "approved: waiting for the owner",
			"handle": "handled, photo attached", "return": "the check failed",
		},
		citizen: "citizen", followUp: "citizen's follow-up",
	},
}

// phrasebookFor is the phrasebook of the profile's language.
func phrasebookFor(p *geo.Profile) *phrasebook {
	if b, ok := phrasebooks[p.Language()]; ok {
		return b
	}
	return phrasebooks["en"]
}
